// cluster_bench: issue 5's numbers on three real `herd agent` processes on loopback, with
// workloads that run build/herd-sleeper (AgentCluster::SleeperYaml). Prints one JSON object on
// stdout (parameters and results); progress goes to stderr. Never passes or fails on a number:
// it exits 1 only when a phase cannot finish within its deadline, printing what it measured so
// far with "error".
//
//   cluster_bench [--workloads N] [--quick] [--bin-dir DIR] [--trace]
//
// Phases, in order:
//   1. cluster A: POST N sleepers in chunks of 1,000 documents, chunk k to member k % 3, one
//      thread per member sending its chunks in order (apply_10k_ack_s: the last answer), and poll
//      GET /v1/children/count on member 0 until running == N (apply_10k_s), then confirm by
//      process count that each runs exactly once (apply_10k_copies_s).
//   2. idle: once every member's map shows all N running (the burst's status writes have
//      replicated: steady state), each agent's utime+stime over idle_seconds, then VmRSS
//      (rss_mb_10k).
//   3. converge: PUT one sleeper on member 0; from the answer, GET it on member 2 back to back
//      until 200. With the N workloads present, the realistic case.
//   4. api_get_rps / api_apply_rps (no process starts) / api_apply_with_starts_rps against
//      member 0 (4 threads, each its own raw keep-alive connection).
//   5. cluster B (fresh, heartbeat deadline 1s): 3,000 sleepers; kill -9 the member owning the
//      most; scan /proc until each runs exactly once again (failover_detected_s; failover_s is
//      when the newest sleeper started, from /proc/<pid>/stat), then keep scanning for
//      settle_seconds: duplicates is the most workloads seen with 2+ copies at once, lost the
//      ones missing at the end.
// The machine (2 cores) is shared: load_avg_1m says how busy it was at the start.
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "bench/cluster_bench_load.h"
#include "bench/cluster_bench_proc.h"
#include "bench/raw_http.h"
#include "tests/testing/agent_cluster.h"

namespace herd::sidecar {
namespace {

using herd::testing::AgentCluster;
using herd::testing::AgentClusterOptions;
using std::chrono::milliseconds;
using std::chrono::seconds;
using SteadyClock = std::chrono::steady_clock;
using Json = nlohmann::ordered_json;

constexpr int kMembers = 3;
constexpr int kChunk = 1000;
constexpr long kRaisedPidMax = 4194304;

struct Params {
  int workloads = 10000;
  int failover_workloads = 3000;
  int converge_samples = 300;
  int api_threads = 4;
  // Applies are acknowledged after a group-committed fsync: their rate grows with the number
  // of requests in flight, so the apply loops use more connections than the GET loop.
  int apply_connections = 16;
  milliseconds scrape_interval{1000};
  double api_seconds = 3;
  double idle_seconds = 10;  // CPU time comes in 10 ms ticks: 0.1% resolution
  double settle_seconds = 2;
  bool quick = false;
  bool trace = false;  // --trace: every REST poll and the process count on stderr
  std::string bin_dir;
};

double SecondsSince(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

using bench::Round;

void Progress(const std::string& what) { std::cerr << "cluster_bench: " << what << std::endl; }

Result<Json> CallJson(AgentCluster& c, int i, const std::string& path) {
  ASSIGN_OR_RETURN(HttpResponse r, c.Call(i, "GET", path));
  if (r.status != 200) {
    return Internal("GET " + path + " on " + c.name(i) + ": " + std::to_string(r.status));
  }
  Json j = Json::parse(r.body, nullptr, false);
  if (j.is_discarded()) return Internal("GET " + path + ": not JSON: " + r.body.substr(0, 200));
  return j;
}

// One YAML document (no trailing separator) for sleeper workload <prefix>-<k>.
std::string OneSleeper(const AgentCluster& c, const std::string& prefix, int k, bool temporary) {
  std::string doc = c.SleeperYaml(prefix, 1, k);
  doc.resize(doc.rfind("---\n"));
  if (temporary) doc += "  restart: temporary\n";
  return doc;
}

// An apply of a temporary container workload whose image does not exist: its owner's start
// fails at once, without forking, so the request costs only the API, the CRDT write, the fsync
// and the replication.
BenchRequest NoStartApply(const std::string& name) {
  return BenchRequest{"POST", "/v1/workloads",
                      "metadata: {name: " + name +
                          "}\nspec: {runtime: container, image: absent-bench-image, command: [x], "
                          "restart: temporary}\n",
                      "application/yaml"};
}

std::unordered_set<std::string> Names(const std::string& prefix, int count) {
  std::unordered_set<std::string> names;
  for (int k = 0; k < count; ++k) names.insert(prefix + "-" + std::to_string(k));
  return names;
}

struct CopyCheck {
  int missing = 0;
  int doubled = 0;  // workloads with 2 or more copies
  int extra = 0;    // copies of workloads outside `names`
  bool exact() const { return missing == 0 && doubled == 0 && extra == 0; }
  std::string ToString() const {
    return "missing=" + std::to_string(missing) + " doubled=" + std::to_string(doubled) +
           " extra=" + std::to_string(extra);
  }
};

CopyCheck Check(const std::unordered_map<std::string, int>& copies,
                const std::unordered_set<std::string>& names) {
  CopyCheck c;
  for (const auto& [name, n] : copies) {
    if (!names.count(name))
      ++c.extra;
    else if (n > 1)
      ++c.doubled;
  }
  for (const std::string& name : names) c.missing += copies.count(name) ? 0 : 1;
  return c;
}

// A cluster of three agents that, however the bench ends, leaves no process behind: agents are
// killed, then the sleepers (which die with their agent) are waited for and, failing that,
// SIGKILLed by their run marker.
class Cluster {
 public:
  Cluster(const Params& p, std::string heartbeat) {
    AgentClusterOptions o;
    o.members = kMembers;
    o.herd_binary = p.bin_dir + "/herd";
    o.sleeper_binary = p.bin_dir + "/herd-sleeper";
    o.heartbeat_deadline = std::move(heartbeat);
    // As root the agent refuses to run children as root unless told; the sleepers need nothing.
    if (geteuid() == 0) o.extra_flags.push_back("--allow-root");
    sleeper_ = o.sleeper_binary;
    cluster_ = std::make_unique<AgentCluster>(o);
  }
  ~Cluster() { TearDown(); }
  AgentCluster& operator*() { return *cluster_; }
  AgentCluster* operator->() { return cluster_.get(); }
  const std::string& sleeper() const { return sleeper_; }
  std::unordered_map<std::string, int> Copies() const {
    return ScanCopies(sleeper_, cluster_->run_marker());
  }

  // Returns how many sleepers had to be killed by marker (0 when all died with their agents).
  int TearDown() {
    if (!cluster_) return 0;
    for (int i = 0; i < cluster_->size(); ++i) cluster_->Kill(i);
    const std::string run = cluster_->run_marker();
    AgentCluster::WaitFor([&] { return Copies().empty(); }, seconds(30));
    int left = static_cast<int>(Copies().size());
    if (left > 0) {
      KillRun(run);
      AgentCluster::WaitFor([&] { return Copies().empty(); }, seconds(10));
    }
    cluster_.reset();
    return left;
  }

 private:
  std::string sleeper_;
  std::unique_ptr<AgentCluster> cluster_;
};

class Bench {
 public:
  explicit Bench(Params p) : p_(std::move(p)) {}
  Json& out() { return out_; }

  Status Run() {
    RETURN_IF_ERROR(Prepare());
    {
      Cluster a(p_, "1s");
      RETURN_IF_ERROR(StartCluster(a));
      RETURN_IF_ERROR(ApplyMany(a));
      RETURN_IF_ERROR(Idle(a));
      RETURN_IF_ERROR(Converge(a));
      RETURN_IF_ERROR(Api(a));
      Progress("stopping cluster A");
      out_["leftover_sleepers"] = a.TearDown();
    }
    Cluster b(p_, "1s");
    RETURN_IF_ERROR(StartCluster(b));
    RETURN_IF_ERROR(Failover(b));
    out_["leftover_sleepers"] = out_["leftover_sleepers"].get<int>() + b.TearDown();
    return Status::Ok();
  }

 private:
  Status Prepare() {
    out_["members"] = kMembers;
    out_["workloads"] = p_.workloads;
    out_["failover_workloads"] = p_.failover_workloads;
    out_["converge_samples"] = p_.converge_samples;
    out_["chunk_documents"] = kChunk;
    out_["api_threads"] = p_.api_threads;
    out_["apply_connections"] = p_.apply_connections;
    out_["scrape_interval_ms"] = static_cast<int>(p_.scrape_interval.count());
    out_["api_seconds"] = p_.api_seconds;
    out_["idle_seconds"] = p_.idle_seconds;
    out_["heartbeat_deadline"] = "1s";
    out_["quick"] = p_.quick;
    out_["bin_dir"] = p_.bin_dir;
    out_["cpus"] = std::thread::hardware_concurrency();
    out_["load_avg_1m"] = LoadAverage1();
    for (const char* bin : {"/herd", "/herd-sleeper", "/herd-launch"}) {
      if (access((p_.bin_dir + bin).c_str(), X_OK) != 0) {
        return FailedPrecondition("no executable " + p_.bin_dir + bin + " (use --bin-dir)");
      }
    }
    // N sleepers + N shims + the agents' threads must fit under pid_max with room to spare.
    const long pid_max = ReadPidMax();
    bool raised = false;
    if (pid_max < 65536 && geteuid() == 0) raised = WritePidMax(kRaisedPidMax);
    out_["pid_max_before"] = pid_max;
    out_["pid_max_raised"] = raised;
    out_["pid_max"] = ReadPidMax();
    // An agent holds ~3 fds per child (pidfd, output pipe, log) and raises its soft limit to the
    // hard one, which agents inherit from here; as root, make room for every workload on one
    // member (a container runtime would typically give 1048576).
    rlimit nofile{};
    getrlimit(RLIMIT_NOFILE, &nofile);
    const rlim_t want = static_cast<rlim_t>(std::min<long>(ReadNrOpen(), 1048576));
    if (geteuid() == 0 && nofile.rlim_max < want) {
      nofile.rlim_max = want;
      setrlimit(RLIMIT_NOFILE, &nofile);
      getrlimit(RLIMIT_NOFILE, &nofile);
    }
    out_["nofile_hard_limit"] = static_cast<int64_t>(nofile.rlim_max);
    return Status::Ok();
  }

  Status StartCluster(Cluster& c) {
    Progress("starting 3 agents in " + c->dir());
    c->StartAll();
    if (!c->WaitAllReady(seconds(30))) {
      return DeadlineExceeded("agents not ready within 30 s; see " + c->log_path(0));
    }
    return Status::Ok();
  }

  // Applies <prefix>-0..count-1 in chunks round-robin over the members and waits until the REST
  // count and then the process count say they all run. Fills `times` (seconds since the first
  // apply): ack, declared (member 0 sees them all), running, copies.
  Status ApplyAndWait(Cluster& c, const std::string& prefix, int count, Json* times) {
    std::vector<std::string> bodies;
    for (int first = 0; first < count; first += kChunk) {
      bodies.push_back(c->SleeperYaml(prefix, std::min(kChunk, count - first), first));
    }
    std::vector<std::string> urls;
    for (int i = 0; i < kMembers; ++i) urls.push_back(c->api_url(i));
    std::vector<double> cpu0;
    for (int i = 0; i < kMembers; ++i) cpu0.push_back(CpuSeconds(c->pid(i)).value_or(0));
    const MachineCpu machine0 = ReadMachineCpu();
    const milliseconds deadline = seconds(p_.quick ? 60 : 180);

    Progress("applying " + std::to_string(count) + " workloads");
    const SteadyClock::time_point start = SteadyClock::now();
    Result<std::vector<double>> acked = Internal("not done");
    std::thread poster([&] { acked = PostChunks(urls, bodies, start, deadline); });
    double declared_s = -1, running_s = -1;
    Json marks = Json::object();
    int next_mark = 1;
    Status polled = Status::Ok();
    const std::unordered_set<std::string> names = Names(prefix, count);
    int doubled = 0;  // most workloads seen with 2+ copies at once (sampled: a lower bound)
    SteadyClock::time_point next_scan = start;
    while (running_s < 0) {
      if (SecondsSince(start) * 1000 > static_cast<double>(deadline.count())) {
        polled = DeadlineExceeded("apply: REST count not at " + std::to_string(count) +
                                  " running within the deadline");
        break;
      }
      Result<Json> n = CallJson(*c, 0, "/v1/children/count");
      if (n.ok()) {
        const int declared = n->value("declared", 0), running = n->value("running", 0);
        if (declared_s < 0 && declared >= count) declared_s = SecondsSince(start);
        while (next_mark < 4 && running * 4 >= count * next_mark) {
          marks["running_" + std::to_string(25 * next_mark) + "pct_s"] = Round(SecondsSince(start));
          ++next_mark;
        }
        if (running >= count) running_s = SecondsSince(start);
        if (p_.trace) Progress("t=" + std::to_string(SecondsSince(start)) + " " + n->dump());
      }
      if (SteadyClock::now() >= next_scan) {
        const SteadyClock::time_point scan = SteadyClock::now();
        const CopyCheck now = Check(c.Copies(), names);
        doubled = std::max(doubled, now.doubled);
        if (p_.trace) Progress("t=" + std::to_string(SecondsSince(start)) + " " + now.ToString());
        // At most a quarter of a core on scans while the agents work.
        next_scan = SteadyClock::now() + std::max<SteadyClock::duration>(
                                             milliseconds(250), 3 * (SteadyClock::now() - scan));
      }
      if (running_s < 0) std::this_thread::sleep_for(milliseconds(20));
    }
    poster.join();
    RETURN_IF_ERROR(acked.status());
    RETURN_IF_ERROR(polled);
    (*times)["ack_s"] = Round(*std::max_element(acked->begin(), acked->end()));
    (*times)["declared_s"] = Round(declared_s);
    (*times)["running_s"] = Round(running_s);
    (*times)["marks"] = marks;
    Json cpu = Json::array();
    for (int i = 0; i < kMembers; ++i) {
      cpu.push_back(Round(CpuSeconds(c->pid(i)).value_or(0) - cpu0[i]));
    }
    (*times)["agent_cpu_s"] = cpu;
    const MachineCpu machine1 = ReadMachineCpu();
    (*times)["machine_busy_pct"] = Round(
        100 * (machine1.busy_s - machine0.busy_s) / (machine1.total_s - machine0.total_s), 10);

    CopyCheck last;
    const bool exact = AgentCluster::WaitFor(
        [&] {
          last = Check(c.Copies(), names);
          doubled = std::max(doubled, last.doubled);
          if (p_.trace)
            Progress("t=" + std::to_string(SecondsSince(start)) + " " + last.ToString());
          return last.exact();
        },
        seconds(60));
    (*times)["max_doubled"] = doubled;
    if (!exact) {
      return DeadlineExceeded("apply: processes not exactly once within 60 s: " + last.ToString());
    }
    (*times)["copies_s"] = Round(SecondsSince(start));
    return Status::Ok();
  }

  Status ApplyMany(Cluster& c) {
    Json t;
    Status s = ApplyAndWait(c, "w", p_.workloads, &t);
    if (t.contains("running_s")) {
      out_["apply_10k_s"] = t["running_s"];
      out_["apply_10k_ack_s"] = t["ack_s"];
      out_["apply_10k_declared_s"] = t["declared_s"];
      out_["apply_10k_copies_s"] = t.value("copies_s", Json());
      out_["apply_10k_progress"] = t["marks"];
      out_["apply_10k_agent_cpu_s"] = t["agent_cpu_s"];
      out_["apply_10k_machine_busy_pct"] = t["machine_busy_pct"];
      out_["apply_10k_duplicates"] = t.value("max_doubled", Json());
    }
    return s;
  }

  Status Idle(Cluster& c) {
    const bool settled = AgentCluster::WaitFor(
        [&] {
          for (int i = 0; i < kMembers; ++i) {
            Result<Json> n = CallJson(*c, i, "/v1/children/count");
            if (!n.ok() || n->value("running", 0) < p_.workloads) return false;
          }
          return true;
        },
        seconds(30));
    if (!settled) return DeadlineExceeded("idle: not every member saw all workloads running");
    std::this_thread::sleep_for(milliseconds(1000));  // the last acks and heartbeats
    Progress("measuring idle CPU and RSS");
    std::vector<double> cpu0;
    for (int i = 0; i < kMembers; ++i) cpu0.push_back(CpuSeconds(c->pid(i)).value_or(0));
    const SteadyClock::time_point start = SteadyClock::now();
    std::this_thread::sleep_for(milliseconds(static_cast<int>(p_.idle_seconds * 1000)));
    const double elapsed = SecondsSince(start);
    Json each = Json::array(), rss = Json::array(), hwm = Json::array();
    double max_cpu = 0, max_rss = 0;
    for (int i = 0; i < kMembers; ++i) {
      std::optional<double> cpu1 = CpuSeconds(c->pid(i));
      std::optional<double> r = RssMiB(c->pid(i));
      if (!cpu1 || !r) return Internal(c->name(i) + " is gone; see " + c->log_path(i));
      const double pct = 100 * (*cpu1 - cpu0[i]) / elapsed;
      max_cpu = std::max(max_cpu, pct);
      max_rss = std::max(max_rss, *r);
      each.push_back(Round(pct, 100));
      rss.push_back(Round(*r, 10));
      hwm.push_back(Round(PeakRssMiB(c->pid(i)).value_or(0), 10));
    }
    out_["rss_mb_10k"] = Round(max_rss, 10);
    out_["rss_mb_each"] = rss;
    out_["rss_peak_mb_each"] = hwm;
    out_["idle_cpu_pct"] = Round(max_cpu, 100);
    out_["idle_cpu_pct_each"] = each;
    return Status::Ok();
  }

  Status Converge(Cluster& c) {
    Progress("converge: " + std::to_string(p_.converge_samples) + " samples");
    std::vector<double> ms;
    for (int k = 0; k < p_.converge_samples; ++k) {
      const std::string name = "cv-" + std::to_string(k);
      Result<HttpResponse> put = c->Call(0, "PUT", "/v1/workloads/" + name,
                                         OneSleeper(*c, "cv", k, false), "application/yaml");
      if (!put.ok()) return put.status().WithContext("converge PUT " + name);
      if (put->status != 201) {
        return Internal("converge PUT " + name + ": " + std::to_string(put->status) + " " +
                        put->body.substr(0, 200));
      }
      const SteadyClock::time_point acked = SteadyClock::now();
      while (true) {
        Result<HttpResponse> get = c->Call(2, "GET", "/v1/workloads/" + name);
        if (get.ok() && get->status == 200) break;
        if (SecondsSince(acked) > 10) {
          return DeadlineExceeded("converge: " + name + " not on " + c->name(2) + " in 10 s");
        }
      }
      ms.push_back(SecondsSince(acked) * 1000);
    }
    out_["converge_with_workloads"] = p_.workloads;
    out_["converge_p50_ms"] = Round(Percentile(ms, 0.50), 100);
    out_["converge_p99_ms"] = Round(Percentile(ms, 0.99), 100);
    out_["converge_max_ms"] = Round(Percentile(ms, 1.0), 100);
    return Status::Ok();
  }

  Status Api(Cluster& c) {
    const milliseconds duration(static_cast<int>(p_.api_seconds * 1000));
    const int n = p_.workloads;
    Progress("api_get_rps");
    ASSIGN_OR_RETURN(
        LoadResult get,
        RunLoad(
            c->api_url(0), p_.api_threads, duration,
            [n](int t, int k) {
              const int w = static_cast<int>((static_cast<int64_t>(k) * 7919 + t * 2503) % n);
              return BenchRequest{"GET", "/v1/workloads/w-" + std::to_string(w), "", ""};
            },
            {200}, seconds(5)));
    Report("api_get", get);
    // Applies of `restart: temporary` sleepers: every apply is a real new workload whose process
    // the owner starts after the answer, as a user's apply would; temporary so that nothing is
    // ever restarted. The starts (~1/3 on member 0) share the two cores with the API, so this
    // is the API's rate under its own process starts, not a bare parse-and-commit rate.
    Progress("api_apply_rps");
    const AgentCluster& cluster = *c;
    ASSIGN_OR_RETURN(LoadResult apply, RunLoad(
                                           c->api_url(0), p_.apply_connections, duration,
                                           [&cluster](int t, int k) {
                                             const std::string prefix = "ap" + std::to_string(t);
                                             return BenchRequest{
                                                 "POST", "/v1/workloads",
                                                 OneSleeper(cluster, prefix, k, true),
                                                 "application/yaml"};
                                           },
                                           {201}, seconds(5)));
    Report("api_apply_with_starts", apply);
    // The API's own rate: applies of temporary container workloads whose image does not exist,
    // so their owner's start fails at once (no process is forked) and each apply costs what the
    // API, the CRDT write, the fsync and the replication cost.
    Progress("api_apply_rps");
    ASSIGN_OR_RETURN(LoadResult bare,
                     RunLoad(
                         c->api_url(0), p_.apply_connections, duration,
                         [](int t, int k) {
                           return NoStartApply("ab" + std::to_string(t) + "-" + std::to_string(k));
                         },
                         {201}, seconds(5)));
    Report("api_apply", bare);

    // The cost of metrics on the apply path: the same applies with and without every agent
    // scraped every `scrape_interval` (1 s, the test Prometheus's rate; 15-60 s is usual), in
    // alternating windows (off, on, on, off), so that the map growing under the applies weighs
    // on both sides alike. The ratio is on/off (1.0: no cost).
    Progress("api_apply_rps_scraped");
    std::atomic<bool> scraping{false}, stop{false};
    std::atomic<int> scrapes{0};
    std::vector<int> ports;
    for (int i = 0; i < c->size(); ++i) ports.push_back(c->metrics_port(i));
    std::thread scraper([&] {
      // A connection per scrape, as Prometheus does after the exporter closes it.
      const std::string get = bench::FormatRequest("GET", "/metrics", "");
      while (!stop.load()) {
        if (scraping.load()) {
          for (int port : ports) {
            bench::RawConn conn(port);
            if (conn.ok() && conn.RoundTrip(get) == 200) scrapes.fetch_add(1);
          }
        }
        std::this_thread::sleep_for(p_.scrape_interval);
      }
    });
    double ok[2] = {0, 0}, secs[2] = {0, 0};
    Status failed;
    for (int window = 0; window < 4 && failed.ok(); ++window) {
      const int on = window == 1 || window == 2;
      scraping = on != 0;
      Result<LoadResult> r = RunLoad(
          c->api_url(0), p_.apply_connections, duration / 2,
          [window](int t, int k) {
            return NoStartApply("as" + std::to_string(window) + "x" + std::to_string(t) + "-" +
                                std::to_string(k));
          },
          {201}, seconds(5));
      if (!r.ok()) {
        failed = r.status();
        break;
      }
      ok[on] += r->ok;
      secs[on] += r->seconds;
    }
    stop = true;
    scraper.join();
    RETURN_IF_ERROR(failed);
    const double off_rps = secs[0] > 0 ? ok[0] / secs[0] : 0;
    const double on_rps = secs[1] > 0 ? ok[1] / secs[1] : 0;
    out_["api_apply_unscraped_rps"] = Round(off_rps, 10);
    out_["api_apply_scraped_rps"] = Round(on_rps, 10);
    out_["scrapes_during_apply"] = scrapes.load();
    out_["api_apply_scraped_ratio"] = Round(off_rps > 0 ? on_rps / off_rps : 0, 1000);
    return Status::Ok();
  }

  void Report(const std::string& what, const LoadResult& r) {
    out_[what + "_rps"] = Round(r.rps, 10);
    out_[what + "_p50_ms"] = Round(r.p50_ms, 100);
    out_[what + "_p99_ms"] = Round(r.p99_ms, 100);
    out_[what + "_errors"] = r.errors;
    if (!r.first_error.empty()) out_[what + "_first_error"] = r.first_error;
  }

  Status Failover(Cluster& c) {
    const int count = p_.failover_workloads;
    Json t;
    RETURN_IF_ERROR(ApplyAndWait(c, "f", count, &t));
    out_["failover_apply_s"] = t["running_s"];
    out_["failover_apply_duplicates"] = t["max_doubled"];
    // Owners from the REST view (paged), to pick the busiest member.
    std::map<std::string, int> owned;
    std::string next;
    do {
      ASSIGN_OR_RETURN(
          Json page,
          CallJson(*c, 0, "/v1/children?limit=10000" + (next.empty() ? "" : "&continue=" + next)));
      for (const Json& item : page["items"]) owned[item.value("owner", "")]++;
      next = page["metadata"].value("continue", "");
    } while (!next.empty());
    int victim = 0;
    for (int i = 1; i < kMembers; ++i) {
      if (owned[c->name(i)] > owned[c->name(victim)]) victim = i;
    }
    out_["failover_victim_owned"] = owned[c->name(victim)];
    const std::unordered_set<std::string> names = Names("f", count);

    Progress("kill -9 " + c->name(victim));
    const SteadyClock::time_point start = SteadyClock::now();
    const double killed_at_boot_s = BootSeconds();
    c->Kill(victim);
    double failover_s = -1, scan_ms_total = 0;
    std::optional<double> last_start;
    int duplicates = 0, scans = 0;
    CopyCheck last;
    const double window = 30;
    while (true) {
      const SteadyClock::time_point scan = SteadyClock::now();
      last = Check(c.Copies(), names);
      const SteadyClock::duration took = SteadyClock::now() - scan;
      scan_ms_total += std::chrono::duration<double, std::milli>(took).count();
      ++scans;
      duplicates = std::max(duplicates, last.doubled);
      const double now = SecondsSince(start);
      if (failover_s < 0 && last.exact()) {
        failover_s = now;
        last_start = LatestSleeperStart(c.sleeper(), c->run_marker());
      }
      if (failover_s >= 0 && now > failover_s + p_.settle_seconds) break;
      if (now > window) break;
      // A scan of thousands of processes is not free: pause as long as it took (at least
      // 10 ms), so the bench takes at most half a core from the agents it measures.
      std::this_thread::sleep_for(std::max<SteadyClock::duration>(took, milliseconds(10)));
    }
    // The scan that first saw every workload once ended up to a scan period (failover_scan_ms
    // twice: it pauses as long as it scans) after the last start; the start time of the newest
    // sleeper says when failover was done, to the kernel's 10 ms tick.
    out_["failover_detected_s"] = failover_s < 0 ? Json() : Json(Round(failover_s));
    if (last_start && *last_start > killed_at_boot_s) {
      out_["failover_s"] = Round(*last_start - killed_at_boot_s);
    } else {
      out_["failover_s"] = out_["failover_detected_s"];
    }
    out_["lost"] = last.missing;
    out_["duplicates"] = duplicates;
    out_["failover_scans"] = scans;
    out_["failover_scan_ms"] = Round(scan_ms_total / scans, 10);
    if (failover_s < 0) {
      return DeadlineExceeded("failover: not exactly once within 30 s: " + last.ToString());
    }
    return Status::Ok();
  }

  Params p_;
  Json out_ = Json::object();
};

int Usage() {
  std::cerr << "usage: cluster_bench [--workloads N] [--quick] [--bin-dir DIR] [--trace]\n"
               "  --bin-dir (or HERD_BIN_DIR) holds herd, herd-sleeper and herd-launch\n";
  return 2;
}

int Main(int argc, char** argv) {
  Params p;
  const char* env = std::getenv("HERD_BIN_DIR");
  p.bin_dir = env != nullptr ? env : HERD_BINARY_DIR;
  int workloads = -1;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--quick") {
      p.quick = true;
    } else if (arg == "--workloads" && i + 1 < argc) {
      workloads = std::atoi(argv[++i]);
      if (workloads <= 0) return Usage();
    } else if (arg == "--trace") {
      p.trace = true;
    } else if (arg == "--bin-dir" && i + 1 < argc) {
      p.bin_dir = argv[++i];
    } else {
      return Usage();
    }
  }
  if (p.quick) {
    p.workloads = 1000;
    p.failover_workloads = 300;
    p.converge_samples = 30;
    p.api_seconds = 1;
    p.idle_seconds = 1;
    p.settle_seconds = 1;
  }
  if (workloads > 0) p.workloads = workloads;
  signal(SIGPIPE, SIG_IGN);
  Bench bench(p);
  Status s = Status::Ok();
  try {
    s = bench.Run();
  } catch (const std::exception& e) {  // AgentCluster throws when it cannot set up
    s = Internal(std::string("setup: ") + e.what());
  }
  if (!s.ok()) bench.out()["error"] = s.ToString();
  std::cout << bench.out().dump(2) << std::endl;
  return s.ok() ? 0 : 1;
}

}  // namespace
}  // namespace herd::sidecar

int main(int argc, char** argv) { return herd::sidecar::Main(argc, argv); }
