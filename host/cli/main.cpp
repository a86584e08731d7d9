#include "host/cli/cli.hpp"

int main(int argc, char** argv) { return hbm::cli_main(argc, argv); }
