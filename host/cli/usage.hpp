// The usage of hbmeta, printed by `hbmeta --help`, by `hbmeta fit --help` (above the options)
// and on stderr when no command is given.
#pragma once

namespace hbm::cli {

inline constexpr const char* kUsage =
    "usage: hbmeta fit DATA.csv [--out DIR] [--outcome NAME]... [--prior-mu \"normal(m,s)\"]\n"
    "                 [--prior-tau SPEC] [--chains N] [--warmup N] [--draws N] [--seed S]\n"
    "                 [--threads T] [--covariates a,b] [--new-clinic \"a=1.5,b=x\"]\n"
    "                 [--baseline independent|random] [--baseline-rate P0] [--device auto|cpu|cuda]\n"
    "                 [--force]\n"
    "                 (all options: hbmeta fit --help)\n"
    "       hbmeta diagnose DRAWS.csv... [--json] [--superchains K]\n"
    "       hbmeta report DIR [--threshold T]     (DIR: an hbmeta fit output folder)\n"
    "       hbmeta batch DATA.csv [--out DIR] [fit options]   (a dataset column: many datasets, one tidy summary)\n"
    "       hbmeta simulate --scenario FILE.json --reps N [--seed S] [--out DIR] [--write-data] [--shard I/N]\n"
    "       hbmeta merge-simulations DIR1 DIR2... --out DIR   (shards of one simulate run)\n"
    "       hbmeta design HIST.csv --n-treat N --n-control N [--criterion DELTA:C]... [--method mixture|hierarchical|both]\n"
    "       hbmeta merge-design DIR1 DIR2... --out DIR   (shards of one design --shard I/N run)\n"
    "       hbmeta bench-gradient DATA.csv [--device cpu|cuda] [--chains N]   (benchmarks)\n"
    "       hbmeta --help | --version\n";

}  // namespace hbm::cli
