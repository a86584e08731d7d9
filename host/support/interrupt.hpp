// Interruption (SIGINT, SIGTERM) without partial output: the signal handler only records the
// signal; long loops (the samplers, the outcome loop, the writer) poll interrupt_requested() at
// safe points and stop, and the CLI then throws Interrupted, removes any temporary output and
// exits with 128 + signal, leaving an existing output folder as it was.
#pragma once
#include <stdexcept>
#include <string>

namespace hbm {

struct Interrupted : std::runtime_error {
  explicit Interrupted(int sig) : std::runtime_error("interrupted"), signal(sig) {}
  int signal;
};

// Installs the SIGINT/SIGTERM handlers (idempotent).
void install_interrupt_handlers();

// The signal received since the handlers were installed, or 0.
int interrupt_signal();
inline bool interrupt_requested() { return interrupt_signal() != 0; }

// Throws Interrupted if a signal has arrived.
void throw_if_interrupted();

}  // namespace hbm
