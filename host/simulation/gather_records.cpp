// The per-replicate results of every MPI rank brought to rank 0; see gather_records.hpp.
#include "host/simulation/gather_records.hpp"

#include <string>

namespace hbm {

std::vector<RepRecord> gather_records(const MpiWorld& world, const std::vector<RepRecord>& mine) {
  // The same text path for every way of running: serialised, gathered (MPI), parsed back.
  // Ranks other than 0 get no parts, so no records.
  const std::vector<std::string> parts = mpi_gather_text(world, serialise_records(mine));
  std::vector<RepRecord> records;
  for (std::size_t r = 0; r < parts.size(); ++r) {
    std::vector<RepRecord> p = parse_records(parts[r], "rank " + std::to_string(r));
    records.insert(records.end(), p.begin(), p.end());
  }
  return records;
}

}  // namespace hbm
