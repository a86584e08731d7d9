// The steps of hbmeta design after the MAP fit; see design_pipeline.hpp.
#include "host/cli/design_pipeline.hpp"

#include <filesystem>
#include <iostream>

#include "host/io/output_writer.hpp"
#include "host/report/design_report.hpp"

namespace fs = std::filesystem;

namespace hbm {

design::DesignResult design_mixture_path(DesignRun& run, const design::DesignSettings& s,
                                         const std::vector<double>& map_draws, std::size_t chains, ThreadPool& pool) {
  design::DesignResult r = design::analyse_design(map_draws, chains, s, pool);
  if (r.accuracy.ks > 0.02)
    run.warnings.push_back("the beta mixture departs from the MAP draws (KS distance " + std::to_string(r.accuracy.ks) +
                           " > 0.02): its quantiles and the operating characteristics rest on the approximation; "
                           "check them with --method both");
  return r;
}

void write_design_outputs(const std::string& out_dir, bool force, bool quiet, const DesignRun& run,
                          const design::DesignSettings& s, const design::DesignResult& r,
                          const std::vector<double>& map_draws) {
  const std::string json = design_json(run, s, r);
  const std::string html = design_report_html(design_report_data(run, s, r, map_draws));
  write_folder_atomically(out_dir, force, [&](const fs::path& tmp) {
    write_file(tmp / "design.json", json);
    write_file(tmp / "design.html", html);
  });
  if (!quiet)
    std::cout << design_text(run, s, r) << "outputs: " << out_dir << "/design.json, " << out_dir << "/design.html ("
              << run.seconds << " s)\n";
}

}  // namespace hbm
