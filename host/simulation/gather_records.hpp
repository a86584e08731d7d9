// The per-replicate results of every MPI rank brought to rank 0 (mpirun -np R hbmeta simulate).
#pragma once
#include <vector>

#include "host/simulation/mpi_support.hpp"
#include "host/simulation/simulation_metrics.hpp"

namespace hbm {

// Rank 0: the records of every rank, in rank order; other ranks: none. One rank (no MPI, or
// not under mpirun): its own records, through the same text.
std::vector<RepRecord> gather_records(const MpiWorld& world, const std::vector<RepRecord>& mine);

}  // namespace hbm
