// Optional MPI for `hbmeta simulate` (Debian's openmpi: libopenmpi-dev, openmpi-bin; found by
// CMake's FindMPI at configure time, HBMETA_HAVE_MPI). Under `mpirun -np R`, rank r takes the
// replicates r, r + R, ...; each rank's per-replicate results (serialised text) are gathered to
// rank 0 by MPI_Gatherv, and rank 0 writes the outputs. Without MPI at build time, or when not
// launched by mpirun, everything runs as one process of one rank.
#pragma once
#include <string>
#include <vector>

namespace hbm {

struct MpiWorld {
  int rank = 0, size = 1;
  bool active = false;  // MPI_Init was called (built with MPI and launched by mpirun/mpiexec)
};

bool mpi_built();
// Whether the environment says this process was started by mpirun/mpiexec (Open MPI, PMIx,
// MPICH/Hydra): only then is MPI initialised, so a plain `hbmeta simulate` never touches MPI.
bool launched_by_mpirun();
// MPI_Init when built with MPI and launched_by_mpirun(); otherwise rank 0 of 1.
MpiWorld mpi_start(int* argc, char*** argv);
// Rank 0 receives every rank's text, in rank order (other ranks get an empty vector).
std::vector<std::string> mpi_gather_text(const MpiWorld& world, const std::string& mine);
// The same count on every rank (MPI_Allreduce max), e.g. to agree on an error.
int mpi_max(const MpiWorld& world, int value);
void mpi_finish(MpiWorld& world);
[[noreturn]] void mpi_abort(const MpiWorld& world, int code);

// RAII: MPI_Finalize on every way out of the command.
struct MpiSession {
  MpiWorld world;
  MpiSession(int* argc, char*** argv) : world(mpi_start(argc, argv)) {}
  ~MpiSession() { mpi_finish(world); }
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
};

}  // namespace hbm
