// One macro marks every function that must run on both sides: compiled by g++ for the CPU
// backend and by nvcc for kernels. Keep everything behind it free of I/O, exceptions and
// dynamic allocation.
#pragma once

#if defined(__CUDACC__)
#define HBM_HD __host__ __device__ inline
#else
#define HBM_HD inline
#endif
