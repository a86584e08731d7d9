#include "host/cli/mpi_command.hpp"

#include <exception>
#include <iostream>

#include "host/support/input_error.hpp"
#include "host/support/interrupt.hpp"

namespace hbm {

int run_under_mpi(int argc, char** argv, const std::function<int(int, char**, MpiWorld&)>& command) {
  MpiSession mpi(&argc, &argv);
  if (!mpi.world.active || mpi.world.size == 1) return command(argc, argv, mpi.world);
  try {
    return command(argc, argv, mpi.world);
  } catch (const InputError& e) {
    if (mpi.world.rank == 0) std::cerr << "hbmeta: " << e.what() << "\n";
    std::cerr.flush();
    mpi_abort(mpi.world, 2);
  } catch (const Interrupted& e) {
    mpi_abort(mpi.world, 128 + e.signal);
  } catch (const std::exception& e) {
    std::cerr << "hbmeta: internal error on MPI rank " << mpi.world.rank << ": " << e.what() << "\n";
    mpi_abort(mpi.world, 1);
  }
}

}  // namespace hbm
