// Parsing a subcommand's command line (host/cli/command_line.hpp): Boost errors translated into
// one-line InputErrors, the closest option suggested for a typo, and the command line recorded.
#include "host/cli/command_line.hpp"

#include <algorithm>
#include <vector>

#include "host/cli/option_values.hpp"
#include "host/support/input_error.hpp"

namespace po = boost::program_options;

namespace hbm::cli {
namespace {

// Edits between a and b, a swap of two neighbouring letters counting as one (optimal string
// alignment): "--prior-tua" is one edit from --prior-tau, two from --prior-mu.
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i)
    for (std::size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1])});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

// "--chanes" -> "--chains" when one option is close (a typo); empty when none is.
std::string closest_option(const std::string& given, const po::options_description& opts) {
  std::string word = given;
  while (!word.empty() && word[0] == '-') word.erase(0, 1);
  word = word.substr(0, word.find('='));
  std::string best;
  std::size_t best_d = 3;  // at most two edits
  for (const auto& o : opts.options()) {
    const std::string name = o->long_name();
    if (name.empty()) continue;
    const std::size_t d = edit_distance(word, name);
    if (d < best_d || (d == best_d && best.empty() && name.rfind(word, 0) == 0)) {
      best_d = d;
      best = name;
    }
  }
  return best.empty() ? best : "--" + best;
}

}  // namespace

// Parses `argv` with the visible options plus one positional argument `positional`; every
// option error becomes a one-line InputError naming the option and its accepted form.
po::variables_map parse_command(int argc, char** argv, const po::options_description& opts, const char* positional,
                                const char* command, bool many) {
  po::options_description hidden;
  if (many) hidden.add_options()(positional, po::value<std::vector<std::string>>(), positional);
  else hidden.add_options()(positional, po::value<std::string>(), positional);
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description pos;
  pos.add(positional, many ? -1 : 1);
  po::variables_map vm;
  const std::string help = std::string(" (all options: hbmeta ") + command + " --help)";
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::unknown_option& e) {
    const std::string given = e.get_option_name();
    const std::string near = closest_option(given, opts);
    throw InputError(command + std::string(": unknown option ") + quoted(given) +
                     (near.empty() ? "" : "; did you mean " + near + "?") + help);
  } catch (const po::ambiguous_option& e) {
    std::string alts;
    for (const auto& a : e.alternatives()) alts += (alts.empty() ? "--" : ", --") + a;
    throw InputError(e.get_option_name() + ": ambiguous abbreviation; write one of " + alts + " in full");
  } catch (const po::multiple_occurrences& e) {
    const std::string name = e.get_option_name();
    const char* form = accepted_form(name.substr(std::min<std::size_t>(2, name.size())));
    throw InputError(name + ": given more than once; give it once" +
                     (form ? std::string(" (expected ") + form + ")" : std::string()));
  } catch (const po::too_many_positional_options_error&) {
    const std::string what = std::string(positional) == "data" ? "input CSV" : "output folder";
    throw InputError(std::string(command) + ": more than one " + what + " given; give one, and options as --name value" +
                     help);
  } catch (const po::invalid_command_line_syntax& e) {
    const std::string name = e.get_option_name();
    const char* form = accepted_form(name.substr(std::min<std::size_t>(2, name.size())));
    if (e.kind() == po::invalid_syntax::missing_parameter)
      throw InputError(name + ": needs a value; expected " + (form ? form : "a value") + help);
    if (e.kind() == po::invalid_syntax::extra_parameter)
      throw InputError(name + ": takes no value; write just " + name);
    std::string what = e.what();
    std::replace(what.begin(), what.end(), '\n', ' ');
    throw InputError(std::string(command) + ": " + what + help);
  } catch (const po::error_with_option_name& e) {
    const std::string name = e.get_option_name();
    const char* form = accepted_form(name.substr(std::min<std::size_t>(2, name.size())));
    std::string what = e.what();
    std::replace(what.begin(), what.end(), '\n', ' ');
    throw InputError((name.empty() ? std::string(command) : name) + ": " + what +
                     (form ? std::string("; expected ") + form : help));
  } catch (const po::error& e) {
    std::string what = e.what();
    std::replace(what.begin(), what.end(), '\n', ' ');
    throw InputError(std::string(command) + ": " + what + help);
  }
  return vm;
}

std::string join_command(int argc, char** argv) {
  std::string s = "hbmeta";
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a.find_first_of(" \t\"'()") != std::string::npos) a = "'" + a + "'";
    s += " " + a;
  }
  return s;
}

}  // namespace hbm::cli
