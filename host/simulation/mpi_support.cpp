#include "host/simulation/mpi_support.hpp"

#include <cstdlib>
#include <stdexcept>

#ifdef HBMETA_HAVE_MPI
#include <mpi.h>
#endif

namespace hbm {

bool mpi_built() {
#ifdef HBMETA_HAVE_MPI
  return true;
#else
  return false;
#endif
}

bool launched_by_mpirun() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK", "MPI_LOCALNRANKS"})
    if (std::getenv(v)) return true;
  return false;
}

MpiWorld mpi_start(int* argc, char*** argv) {
  MpiWorld w;
#ifdef HBMETA_HAVE_MPI
  if (!launched_by_mpirun()) return w;
  int done = 0;
  MPI_Initialized(&done);
  if (!done) MPI_Init(argc, argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &w.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &w.size);
  w.active = true;
#else
  (void)argc;
  (void)argv;
#endif
  return w;
}

std::vector<std::string> mpi_gather_text(const MpiWorld& world, const std::string& mine) {
  if (!world.active || world.size == 1) return {mine};
#ifdef HBMETA_HAVE_MPI
  if (mine.size() > 2000000000u) throw std::runtime_error("MPI gather: a rank's results exceed 2 GB");
  int n = static_cast<int>(mine.size());
  std::vector<int> counts(world.rank == 0 ? world.size : 0), displs;
  MPI_Gather(&n, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
  std::vector<char> all;
  if (world.rank == 0) {
    long long total = 0;
    for (int c : counts) {
      displs.push_back(static_cast<int>(total));
      total += c;
    }
    if (total > 2000000000LL) throw std::runtime_error("MPI gather: the results exceed 2 GB; use --shard and merge-simulations");
    all.resize(static_cast<std::size_t>(total));
  }
  MPI_Gatherv(mine.data(), n, MPI_CHAR, all.data(), counts.data(), displs.data(), MPI_CHAR, 0, MPI_COMM_WORLD);
  std::vector<std::string> out;
  if (world.rank == 0)
    for (int r = 0; r < world.size; ++r) out.emplace_back(all.data() + displs[r], static_cast<std::size_t>(counts[r]));
  return out;
#else
  return {mine};
#endif
}

int mpi_max(const MpiWorld& world, int value) {
#ifdef HBMETA_HAVE_MPI
  if (world.active && world.size > 1) {
    int out = value;
    MPI_Allreduce(&value, &out, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    return out;
  }
#else
  (void)world;
#endif
  return value;
}

void mpi_finish(MpiWorld& world) {
#ifdef HBMETA_HAVE_MPI
  if (world.active) {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) MPI_Finalize();
    world.active = false;
  }
#else
  (void)world;
#endif
}

void mpi_abort(const MpiWorld& world, int code) {
#ifdef HBMETA_HAVE_MPI
  if (world.active) MPI_Abort(MPI_COMM_WORLD, code);
#else
  (void)world;
#endif
  std::exit(code);
}

}  // namespace hbm
