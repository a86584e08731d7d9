// A command that may run under mpirun (simulate, design): MPI started and finished around it,
// and, with several ranks, an error on one rank stopping all of them.
#pragma once
#include <functional>

#include "host/simulation/mpi_support.hpp"

namespace hbm {

// Runs command(argc, argv, world) inside an MPI session. With several ranks an error must not
// leave the others waiting in a gather: bad input is the same on every rank (same arguments),
// so rank 0 reports it and all stop with exit status 2; an interrupt stops all with 128 + the
// signal, anything else with 1 (naming the rank).
int run_under_mpi(int argc, char** argv, const std::function<int(int, char**, MpiWorld&)>& command);

}  // namespace hbm
