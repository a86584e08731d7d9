// The row layout the sensitivity figures share (report_plots.hpp): a label column, one or more
// panels side by side, each with its own x axis, and optionally a text column on the right; one
// row per variant (a study left out, a step, a prior, a subgroup, a study's check). A figure may
// stack several blocks of rows (the subgroup plot: the levels, then their differences).
#pragma once
#include <cmath>
#include <string>
#include <vector>

#include "host/report/report_data.hpp"
#include "host/report/svg_plot.hpp"

namespace hbm::report::rows {

// The report's colours (as forest_plot): posterior blue, frequentist grey, flagged vermillion.
inline const char* const kPost = "#0072B2";
inline const char* const kReml = "#777777";
inline const char* const kFlag = "#D55E00";
inline const char* const kBand = "#9ecae1";

// An interval to draw (NaN estimate: nothing; NaN bounds: a point).
struct Span {
  double est = NAN, lo = NAN, hi = NAN;
};
Span median_cri(const Summ& s);  // {q50, q2.5, q97.5}

// A horizontal interval at row y, with an arrow where it runs off the axis (every forest plot).
void interval_line(svg::Canvas& c, const svg::Scale& x, const Span& s, double y, const std::string& colour,
                   double width);

// How a panel's axis is made: rates on [0, 1] (zoomed in when the values use less than half of
// it), odds ratios on a log axis always showing 1, a positive quantity (tau) from 0, or linear.
enum class Axis { Rate, OddsRatio, Positive, Linear };

struct Panel {
  std::string header, axis_label;
  Axis axis = Axis::Linear;
  std::vector<Span> first;   // per row: drawn above the row's middle (posterior)
  std::vector<Span> second;  // per row, may be empty: drawn below it (REML, or the observed value)
  std::string first_colour = kPost, second_colour = kReml;
  bool first_band = false;    // the first interval as a band (prediction intervals)
  bool second_diamond = false;  // the second mark a diamond (an observed count) instead of a square
  bool flag_second = false;     // a flagged row's second mark in vermillion
  double ref_first = NAN, ref_second = NAN;  // dashed reference lines in each series' colour
  double null_value = NAN;                   // solid grey line (OR = 1, difference 0)
};

struct Block {
  std::vector<std::string> labels, tips;  // tips: each row's <title> (its numbers)
  std::vector<bool> flagged, bold;        // may be empty (none)
  std::string flag_class = "influential";  // added to a flagged row's class
  std::vector<Panel> panels;
  std::string right_header;
  std::vector<std::string> right;  // optional text column, one entry per row
};

// The width of the figure and of its label column, shared by its blocks.
struct Frame {
  double width = 980, label_w = 90;
};
Frame frame_for(const std::vector<const Block*>& blocks);

// Height a block takes (panel headers, rows, axes and their labels).
double block_height(const Block& b);

// Draws the block with its top at `top`; returns the y below it.
double draw_block(svg::Canvas& c, const Frame& f, const Block& b, double top);

// The natural scale of the pooled estimate: inv_logit (rates) or exp (odds ratios).
double natural(const OutcomeData& o, double model_value);
Span natural(const OutcomeData& o, const Span& s);
Axis natural_axis(const OutcomeData& o);

// "pooled rate" / "pooled odds ratio" and the like.
std::string pooled_words(const OutcomeData& o);

// The REML row of the main fit's frequentist methods (nullptr when it has none).
const FreqRow* reml_row(const OutcomeData& o);

// "0.47 [0.31, 0.71]" of a span.
std::string span_text(const Span& s);

}  // namespace hbm::report::rows
