// A fixed set of worker threads that run "for each index in [0, n)" jobs. Index i always runs
// the same code on the same data whichever thread takes it, and every reduction over indices
// is done by the caller afterwards in index order, so results never depend on --threads.
//
// Warmup calls parallel_for once per iteration (the chains share their adaptation), so the
// hand-off must be cheap: workers spin briefly on an atomic generation counter before falling
// back to sleeping on a condition variable.
#pragma once
#include <atomic>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace hbm {

class ThreadPool {
 public:
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  // Runs fn(i) for i in [0, n) across the pool (the calling thread takes part) and returns
  // when all are done. Exceptions from fn are rethrown here (the first one).
  void parallel_for(int n, const std::function<void(int)>& fn);

 private:
  void worker_loop(int id);
  void run_share(int id);

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable start_cv_;
  const std::function<void(int)>* job_ = nullptr;
  int job_n_ = 0;
  std::atomic<long> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
  std::exception_ptr error_;
};

}  // namespace hbm
