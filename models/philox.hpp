// Philox4x32-10 (Salmon et al. 2011, "Parallel random numbers: as easy as 1, 2, 3"): a
// counter-based generator. A draw is a pure function of (key, counter), so every random number
// in hbmeta is addressed as (seed, stream, chain, iteration, purpose, block) and is the same on
// the CPU and the GPU, for any thread count or launch layout.
#pragma once
#include <cmath>
#include <cstdint>

#include "models/hd.hpp"

namespace hbm {

struct Philox4x32 {
  std::uint32_t v[4];
};

HBM_HD void philox_mulhilo(std::uint32_t a, std::uint32_t b, std::uint32_t& hi, std::uint32_t& lo) {
  const std::uint64_t p = static_cast<std::uint64_t>(a) * b;
  hi = static_cast<std::uint32_t>(p >> 32);
  lo = static_cast<std::uint32_t>(p);
}

// Ten rounds of Philox4x32 on counter `c` with 64-bit key (k0, k1).
HBM_HD Philox4x32 philox4x32_10(Philox4x32 c, std::uint32_t k0, std::uint32_t k1) {
  for (int r = 0; r < 10; ++r) {
    std::uint32_t hi0, lo0, hi1, lo1;
    philox_mulhilo(0xD2511F53u, c.v[0], hi0, lo0);
    philox_mulhilo(0xCD9E8D57u, c.v[2], hi1, lo1);
    c = Philox4x32{{hi1 ^ c.v[1] ^ k0, lo1, hi0 ^ c.v[3] ^ k1, lo0}};
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return c;
}

// What a block of random numbers is used for; part of the counter so that streams never overlap.
enum class RngPurpose : std::uint32_t {
  Momentum = 1,
  Accept = 2,
  Init = 3,
  Predictive = 4,
  Gibbs = 5,
  BlockGibbs = 6,  // the exact intercept and scale updates after each HMC transition (models/block_gibbs.hpp)
  PredictiveCheck = 7,  // replicated study counts (host/fit/predictive_checks.hpp)
};

// A stream of random numbers for one (seed, stream, chain, iteration, purpose). Each call to
// next_block() consumes one Philox block (four 32-bit words).
struct RngStream {
  std::uint32_t k0, k1;
  Philox4x32 ctr;
  std::uint32_t block;

  HBM_HD RngStream(std::uint64_t seed, std::uint32_t stream, std::uint32_t chain,
                   std::uint32_t iteration, RngPurpose purpose)
      : k0(static_cast<std::uint32_t>(seed)), k1(static_cast<std::uint32_t>(seed >> 32)),
        ctr{{chain, stream, iteration, static_cast<std::uint32_t>(purpose) << 24}}, block(0) {}

  HBM_HD Philox4x32 next_block() {
    Philox4x32 c = ctr;
    c.v[3] |= (block++ & 0x00FFFFFFu);
    return philox4x32_10(c, k0, k1);
  }

  // Two uniforms in (0, 1) with 53 random bits each (never exactly 0 or 1).
  HBM_HD void uniform2(double& u1, double& u2) {
    const Philox4x32 r = next_block();
    const std::uint64_t a = (static_cast<std::uint64_t>(r.v[0]) << 32 | r.v[1]) >> 11;
    const std::uint64_t b = (static_cast<std::uint64_t>(r.v[2]) << 32 | r.v[3]) >> 11;
    const double scale = 1.0 / 9007199254740992.0;  // 2^-53
    u1 = (static_cast<double>(a) + 0.5) * scale;
    u2 = (static_cast<double>(b) + 0.5) * scale;
  }

  HBM_HD double uniform() {
    double u1, u2;
    uniform2(u1, u2);
    return u1;
  }

  // Two independent standard normals by Box-Muller.
  HBM_HD void normal2(double& z1, double& z2) {
    double u1, u2;
    uniform2(u1, u2);
    const double r = std::sqrt(-2.0 * std::log(u1));
    const double a = 6.283185307179586476925 * u2;
    z1 = r * std::cos(a);
    z2 = r * std::sin(a);
  }

  // Normal j of the sequence normals() writes (block j / 2, first or second of its pair),
  // without advancing the stream: lanes that split a vector draw their own entries.
  HBM_HD double normal_at(int j) const {
    RngStream s = *this;
    s.block += static_cast<std::uint32_t>(j / 2);
    double z1, z2;
    s.normal2(z1, z2);
    return (j % 2 == 0) ? z1 : z2;
  }

  // Fill out[0..n) with standard normals (two per block); out: a pointer or a chain's span
  // (models/strided.hpp).
  template <class Out>
  HBM_HD void normals(Out out, int n) {
    int i = 0;
    for (; i + 1 < n; i += 2) normal2(out[i], out[i + 1]);
    if (i < n) {
      double spare;
      normal2(out[i], spare);
    }
  }
};

}  // namespace hbm
