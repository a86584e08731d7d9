// The look of hbmeta's HTML pages (report.html, design.html): small and system fonts only, so a
// file renders the same offline.
#pragma once

namespace hbm::report {

inline constexpr const char* kReportCss = R"(
body{font-family:"DejaVu Sans",Arial,Helvetica,sans-serif;font-size:14px;color:#222;line-height:1.4;
  max-width:1000px;margin:16px auto;padding:0 12px}
h1{font-size:24px;margin:8px 0}h3{font-size:16px;margin:22px 0 8px}
h2{font-size:20px;border-bottom:2px solid #0072B2;padding-bottom:4px;margin-top:40px}
table{border-collapse:collapse;margin:6px 0 12px;font-size:13px}
th,td{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
table.num td{text-align:right;white-space:nowrap}table.num td:nth-child(-n+2){text-align:left}
table.num td:nth-child(2){white-space:normal}
table.kv th{font-weight:600;white-space:nowrap;color:#444}
figure{margin:10px 0}figure svg{max-width:100%;height:auto;display:block}
figcaption{font-size:13px;color:#555;margin-top:4px}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(470px,1fr));gap:8px 16px}
.threshold,.headline{font-size:15px}
.threshold{background:#fdf1e8;border-left:4px solid #D55E00;padding:6px 10px}
.bad{color:#b00020;font-weight:bold}.ok{color:#2b7a2b}
ul.warnings{background:#fff4f4;border-left:4px solid #b00020;padding:6px 10px 6px 28px}
.explain{align-self:center;font-size:14px}code{font-size:13px}nav ul{columns:2}
ul.notes{background:#fdf1e8;border-left:4px solid #D55E00;padding:6px 10px 6px 28px}
)";

}  // namespace hbm::report
