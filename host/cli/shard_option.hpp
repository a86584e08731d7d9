// --shard I/N of `hbmeta simulate`, also the reader of the shard a shard folder records
// (hbmeta merge-simulations), so that both are read and worded alike.
#pragma once
#include <string>

namespace hbm::cli {

// "I/N" with 0 <= I < N (at most 7 digits each) into *i and *n; otherwise the one-line
// InputError "--shard: 'TEXT' is not I/N with 0 <= I < N; expected ...".
void parse_shard(const std::string& text, int* i, int* n);

}  // namespace hbm::cli
