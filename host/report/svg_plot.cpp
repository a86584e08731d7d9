#include "host/report/svg_plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace hbm::svg {

std::string escape(const std::string& s) {
  std::string r;
  r.reserve(s.size());
  for (char ch : s) {
    switch (ch) {
      case '&': r += "&amp;"; break;
      case '<': r += "&lt;"; break;
      case '>': r += "&gt;"; break;
      case '"': r += "&quot;"; break;
      case '\'': r += "&#39;"; break;
      default: r += ch;
    }
  }
  return r;
}

std::string coord(double x) {
  if (!std::isfinite(x)) x = 0.0;
  char buf[32];
  // 0.1 px is finer than any screen shows, and one decimal keeps files with many draws small.
  std::snprintf(buf, sizeof buf, "%.1f", x);
  if (std::string(buf) == "-0.0") return "0.0";  // "-0.0" reads oddly in a file
  return buf;
}

Canvas::Canvas(double width, double height, const std::string& title) : width_(width), height_(height), title_(title) {}

void Canvas::line(double x1, double y1, double x2, double y2, const std::string& stroke, double stroke_width,
                  const std::string& extra) {
  body_ += "<line x1=\"" + coord(x1) + "\" y1=\"" + coord(y1) + "\" x2=\"" + coord(x2) + "\" y2=\"" + coord(y2) +
           "\" stroke=\"" + stroke + "\" stroke-width=\"" + coord(stroke_width) + "\"" +
           (extra.empty() ? "" : " " + extra) + "/>\n";
}

void Canvas::rect(double x, double y, double w, double h, const std::string& fill, const std::string& extra) {
  body_ += "<rect x=\"" + coord(x) + "\" y=\"" + coord(y) + "\" width=\"" + coord(std::max(0.0, w)) + "\" height=\"" +
           coord(std::max(0.0, h)) + "\" fill=\"" + fill + "\"" + (extra.empty() ? "" : " " + extra) + "/>\n";
}

void Canvas::circle(double cx, double cy, double r, const std::string& fill, const std::string& extra) {
  body_ += "<circle cx=\"" + coord(cx) + "\" cy=\"" + coord(cy) + "\" r=\"" + coord(r) + "\" fill=\"" + fill + "\"" +
           (extra.empty() ? "" : " " + extra) + "/>\n";
}

void Canvas::text(double x, double y, const std::string& s, const std::string& anchor, double size,
                  const std::string& extra) {
  body_ += "<text x=\"" + coord(x) + "\" y=\"" + coord(y) + "\" font-size=\"" + coord(size) + "\"" +
           (anchor == "start" ? "" : " text-anchor=\"" + anchor + "\"") + (extra.empty() ? "" : " " + extra) + ">" +
           escape(s) + "</text>\n";
}

namespace {
std::string points_attr(const std::vector<std::pair<double, double>>& pts) {
  std::string r;
  r.reserve(pts.size() * 14);
  for (const auto& [x, y] : pts) {
    if (!r.empty()) r += ' ';
    r += coord(x) + "," + coord(y);
  }
  return r;
}
}  // namespace

void Canvas::polyline(const std::vector<std::pair<double, double>>& pts, const std::string& stroke, double stroke_width,
                      const std::string& extra) {
  if (pts.empty()) return;
  body_ += "<polyline fill=\"none\" stroke=\"" + stroke + "\" stroke-width=\"" + coord(stroke_width) +
           "\" stroke-linejoin=\"round\" points=\"" + points_attr(pts) + "\"" + (extra.empty() ? "" : " " + extra) +
           "/>\n";
}

void Canvas::polygon(const std::vector<std::pair<double, double>>& pts, const std::string& fill,
                     const std::string& extra) {
  if (pts.size() < 3) return;
  body_ += "<polygon fill=\"" + fill + "\" points=\"" + points_attr(pts) + "\"" + (extra.empty() ? "" : " " + extra) +
           "/>\n";
}

std::string Canvas::str() const {
  // width/height give the intrinsic size; the viewBox lets the page's CSS scale it down.
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + coord(width_) + "\" height=\"" + coord(height_) +
         "\" viewBox=\"0 0 " + coord(width_) + " " + coord(height_) +
         "\" font-family=\"DejaVu Sans, Arial, Helvetica, sans-serif\" font-size=\"12\" role=\"img\">\n<title>" +
         escape(title_) + "</title>\n<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n" + body_ + "</svg>\n";
}

std::string Canvas::file_str() const { return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + str(); }

double Scale::operator()(double x) const {
  double t;
  if (log)
    t = (std::log(x) - std::log(d0)) / (std::log(d1) - std::log(d0));
  else
    t = (x - d0) / (d1 - d0);
  return r0 + t * (r1 - r0);
}

double Scale::clamp(double x) const {
  const double lo = std::min(d0, d1), hi = std::max(d0, d1);
  if (std::isnan(x)) return lo;
  return std::min(hi, std::max(lo, x));
}

namespace {
double nice_step(double span, int n) {
  const double raw = span / std::max(1, n);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / mag;
  return (f < 1.5 ? 1.0 : f < 3.0 ? 2.0 : f < 7.0 ? 5.0 : 10.0) * mag;
}
}  // namespace

std::vector<double> linear_ticks(double lo, double hi, int n) {
  std::vector<double> t;
  if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi)) return t;
  const double step = nice_step(hi - lo, n);
  for (double v = std::ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step)
    t.push_back(std::fabs(v) < step * 1e-9 ? 0.0 : v);
  return t;
}

std::pair<double, double> nice_range(double lo, double hi, int n) {
  if (!(hi > lo)) {
    const double pad = std::fabs(lo) > 0 ? std::fabs(lo) * 0.1 : 1.0;
    lo -= pad;
    hi += pad;
  }
  const double step = nice_step(hi - lo, n);
  return {std::floor(lo / step + 1e-9) * step, std::ceil(hi / step - 1e-9) * step};
}

std::pair<double, double> log_range(double lo, double hi) {
  const double below_mag = std::pow(10.0, std::floor(std::log10(lo) + 1e-12));
  const double f0 = lo / below_mag;
  const double a = (f0 >= 5 - 1e-9 ? 5 : f0 >= 2 - 1e-9 ? 2 : 1) * below_mag;
  const double above_mag = std::pow(10.0, std::floor(std::log10(hi) - 1e-12));
  const double f1 = hi / above_mag;
  const double b = (f1 <= 1 + 1e-9 ? 1 : f1 <= 2 + 1e-9 ? 2 : f1 <= 5 + 1e-9 ? 5 : 10) * above_mag;
  return {a, b > a ? b : a * 2};
}

std::vector<double> log_ticks(double lo, double hi) {
  std::vector<double> all;
  const int e0 = static_cast<int>(std::floor(std::log10(lo))) - 1, e1 = static_cast<int>(std::ceil(std::log10(hi))) + 1;
  for (int e = e0; e <= e1; ++e)
    for (double m : {1.0, 2.0, 5.0}) {
      const double v = m * std::pow(10.0, e);
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) all.push_back(v);
    }
  // Over many decades the 2s and 5s crowd the labels: keep powers of ten only.
  if (all.size() > 9) {
    std::vector<double> ones;
    for (double v : all)
      if (std::fabs(std::log10(v) - std::round(std::log10(v))) < 1e-9) ones.push_back(v);
    return ones;
  }
  return all;
}

std::string tick_label(double x) {
  if (x == 0) return "0";
  char buf[32];
  const double a = std::fabs(x);
  if (a >= 1e-3 && a < 1e5) {
    std::snprintf(buf, sizeof buf, "%.6f", x);
    std::string s = buf;
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  }
  std::snprintf(buf, sizeof buf, "%.0e", x);
  return buf;
}

bool tick_labels_collide(const Scale& s, const std::vector<double>& ticks, double font, double gap) {
  for (std::size_t i = 1; i < ticks.size(); ++i) {
    const double room = std::fabs(s(ticks[i]) - s(ticks[i - 1]));
    const double need = 0.5 * (text_width(tick_label(ticks[i]), font) + text_width(tick_label(ticks[i - 1]), font)) + gap;
    if (room < need) return true;
  }
  return false;
}

std::vector<double> fitting_linear_ticks(const Scale& s, int n_max, double font, double gap) {
  for (int n = std::max(2, n_max); n >= 2; --n) {
    std::vector<double> t = linear_ticks(s.d0, s.d1, n);
    if (!tick_labels_collide(s, t, font, gap)) return t;
  }
  return linear_ticks(s.d0, s.d1, 2);
}

void x_axis(Canvas& c, const Scale& s, const std::vector<double>& ticks, double y_px, const std::string& label,
            bool grid, double grid_top) {
  c.line(std::min(s.r0, s.r1), y_px, std::max(s.r0, s.r1), y_px, "#333333");
  double last_right = -INFINITY;  // right edge of the last label drawn (ticks ascend on screen)
  for (double t : ticks) {
    const double x = s(t);
    if (grid) c.line(x, grid_top, x, y_px, "#e6e6e6", 1.0);
    c.line(x, y_px, x, y_px + 5, "#333333");
    const std::string text = tick_label(t);
    const double half = 0.5 * text_width(text, 11);
    if (x - half < last_right + 4) continue;
    c.text(x, y_px + 18, text, "middle", 11, "fill=\"#333333\"");
    last_right = x + half;
  }
  c.text((s.r0 + s.r1) / 2, y_px + 36, label, "middle", 12);
}

void y_axis(Canvas& c, const Scale& s, const std::vector<double>& ticks, double x_px, const std::string& label) {
  c.line(x_px, std::min(s.r0, s.r1), x_px, std::max(s.r0, s.r1), "#333333");
  for (double t : ticks) {
    const double y = s(t);
    c.line(x_px - 5, y, x_px, y, "#333333");
    c.text(x_px - 8, y + 4, tick_label(t), "end", 11, "fill=\"#333333\"");
  }
  const double ym = (s.r0 + s.r1) / 2, xl = x_px - 46;
  c.text(xl, ym, label, "middle", 12, "transform=\"rotate(-90 " + coord(xl) + " " + coord(ym) + ")\"");
}

double text_width(const std::string& s, double size) {
  std::size_t chars = 0;
  for (unsigned char ch : s)
    if ((ch & 0xC0) != 0x80) ++chars;
  return 0.6 * size * static_cast<double>(chars);
}

double legend_entry(Canvas& c, double x, double y, Mark mark, const std::string& colour, const std::string& label) {
  const double ym = y - 4;  // the middle of the text's x-height
  switch (mark) {
    case Mark::Line: c.line(x, ym, x + 24, ym, colour, 2); break;
    case Mark::Dashed: c.line(x, ym, x + 24, ym, colour, 2, "stroke-dasharray=\"5,3\""); break;
    case Mark::Square:
      c.line(x, ym, x + 24, ym, colour, 1.5);
      c.rect(x + 8.5, ym - 3.5, 7, 7, colour);
      break;
    case Mark::Circle:
      c.line(x, ym, x + 24, ym, colour, 2);
      c.circle(x + 12, ym, 4, colour);
      break;
    case Mark::Diamond: c.polygon({{x + 2, ym}, {x + 12, ym - 6}, {x + 22, ym}, {x + 12, ym + 6}}, colour); break;
    case Mark::Band: c.rect(x, ym - 5, 24, 10, colour); break;
  }
  c.text(x + 30, y, label, "start", 12);
  return x + 30 + text_width(label, 12) + 18;
}

const std::string& palette(std::size_t i) {
  static const std::vector<std::string> colours = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                                   "#E69F00", "#56B4E9", "#000000", "#999999"};
  return colours[i % colours.size()];
}

std::string shorten(const std::string& s, double max_px) {
  if (text_width(s) <= max_px) return s;
  std::string r;
  for (unsigned char ch : s) {
    if ((ch & 0xC0) != 0x80 && text_width(r + "...") > max_px) break;
    r += static_cast<char>(ch);
  }
  while (!r.empty() && (static_cast<unsigned char>(r.back()) & 0xC0) == 0x80) r.pop_back();  // no half characters
  if (!r.empty()) r.pop_back();
  return r + "...";
}

}  // namespace hbm::svg
