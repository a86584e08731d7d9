// A small SVG writer for the HTML report (host/report/html_report.hpp): a canvas that collects
// elements, linear and log axis scales with "nice" ticks, and axis drawing.
//
// Styling is written as presentation attributes on each element (no <style>, no CSS classes
// needed), so that a figure looks the same inline in report.html and as a standalone .svg file.
// Classes are still added where a test or a reader wants to find an element (e.g. one
// class="study-row" group per study in the forest plot).
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace hbm::svg {

// XML/HTML text escaping (&, <, >, ", ').
std::string escape(const std::string& s);

// A coordinate for an attribute: fixed 1 decimal, never "nan"/"inf" (non-finite gives 0, a
// caller bug that must not leak into the file).
std::string coord(double x);

class Canvas {
 public:
  Canvas(double width, double height, const std::string& title);

  double width() const { return width_; }
  double height() const { return height_; }

  // Raw markup, for elements the helpers below do not cover. The caller escapes text.
  void raw(const std::string& markup) {
    body_ += markup;
    body_ += '\n';
  }
  void line(double x1, double y1, double x2, double y2, const std::string& stroke, double stroke_width = 1.0,
            const std::string& extra = "");
  void rect(double x, double y, double w, double h, const std::string& fill, const std::string& extra = "");
  void circle(double cx, double cy, double r, const std::string& fill, const std::string& extra = "");
  // anchor: "start", "middle" or "end". size in px (>= 11 everywhere in the report).
  void text(double x, double y, const std::string& s, const std::string& anchor = "start", double size = 12,
            const std::string& extra = "");
  // An open polyline through the points (stroke only).
  void polyline(const std::vector<std::pair<double, double>>& pts, const std::string& stroke, double stroke_width = 1.5,
                const std::string& extra = "");
  // A closed filled polygon.
  void polygon(const std::vector<std::pair<double, double>>& pts, const std::string& fill,
               const std::string& extra = "");
  void begin_group(const std::string& attrs) { body_ += "<g " + attrs + ">\n"; }
  void end_group() { body_ += "</g>\n"; }

  // <svg ...>...</svg>, for inlining in HTML.
  std::string str() const;
  // The same with an XML declaration, for a standalone .svg file.
  std::string file_str() const;

 private:
  double width_, height_;
  std::string title_, body_;
};

// Maps a data interval onto a pixel interval, linearly or on a log scale.
struct Scale {
  double d0 = 0, d1 = 1;  // data range (both > 0 when log)
  double r0 = 0, r1 = 1;  // pixel range
  bool log = false;
  double operator()(double x) const;
  double clamp(double x) const;  // x limited to the data range
};

// About n "nice" linear ticks (steps 1, 2, 5 x 10^k) inside [lo, hi].
std::vector<double> linear_ticks(double lo, double hi, int n = 6);
// [lo, hi] widened to the enclosing multiples of a nice step (for axis limits).
std::pair<double, double> nice_range(double lo, double hi, int n = 6);
// [lo, hi] (both > 0) widened to the enclosing values of the 1-2-5 sequence (log axis limits).
std::pair<double, double> log_range(double lo, double hi);
// Log-axis ticks from the 1-2-5 sequence inside [lo, hi] (thinned to at most ~9 labels).
std::vector<double> log_ticks(double lo, double hi);

// Tick label: short, no exponent for the usual ranges ("0.05", "2", "1e-04" only when tiny).
std::string tick_label(double x);

// Whether two neighbouring tick labels of the x axis (centred on their ticks, font px, widths
// by text_width) would come closer than gap px, i.e. collide on the page.
bool tick_labels_collide(const Scale& s, const std::vector<double>& ticks, double font = 11, double gap = 6);
// Linear ticks for s's data range whose labels fit: linear_ticks(d0, d1, n) for n = n_max,
// n_max - 1, ... down to 2, the first whose labels do not collide (narrow plots and long labels
// such as "0.0025" get fewer, coarser ticks); linear_ticks(d0, d1, 2) if none does.
std::vector<double> fitting_linear_ticks(const Scale& s, int n_max = 6, double font = 11, double gap = 6);

// Axes: tick marks, tick labels and the axis label. x axis below y_px; y axis left of x_px.
// The x axis leaves out a tick's label (not its mark) that would collide with the previous one
// drawn, a last guard for ticks that were not chosen by fitting_linear_ticks (log axes).
void x_axis(Canvas& c, const Scale& s, const std::vector<double>& ticks, double y_px, const std::string& label,
            bool grid_to = false, double grid_top = 0);
void y_axis(Canvas& c, const Scale& s, const std::vector<double>& ticks, double x_px, const std::string& label);

// Approximate rendered width of a text in px (about 0.6 em per character for the sans-serif
// fonts the report names; UTF-8 continuation bytes are not counted), for layout decisions.
double text_width(const std::string& s, double size = 12);

// s cut to fit max_px at 12 px (by text_width), ending in "..." when cut; never splits a UTF-8
// character.
std::string shorten(const std::string& s, double max_px);

// One legend entry at (x, y = text baseline): a 24 px sample of the mark, then the label.
// Returns the x where the next entry can start.
enum class Mark { Line, Dashed, Square, Circle, Diamond, Band };
double legend_entry(Canvas& c, double x, double y, Mark mark, const std::string& colour, const std::string& label);

// Okabe-Ito colour-blind-safe palette, cycled: chain colours and series.
const std::string& palette(std::size_t i);

}  // namespace hbm::svg
