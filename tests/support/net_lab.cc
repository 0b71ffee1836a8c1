#include "tests/support/net_lab.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <sstream>

#include "tests/support/postgres_cluster.h"

namespace walcast::testing {
namespace {

constexpr const char* kPrefix = "walcast-nl-";
// Held while a lab picks its subnet and creates its namespace, so labs of
// parallel test processes never pick the same one.
constexpr const char* kLockPath = "/run/lock/walcast-netlab.lock";

// Runs `command` (a shell command line), stderr folded into *output.
int Run(const std::string& command, std::string* output) {
  return RunCommand("(" + command + ") 2>&1", output);
}

::testing::AssertionResult Check(const std::string& command) {
  std::string out;
  const int rc = Run(command, &out);
  if (rc == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << command << " failed (" << rc << "): " << out;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string Address(int subnet, int host) {
  return "10.213." + std::to_string(subnet) + "." + std::to_string(host);
}

// Removes what labs of processes that no longer run left behind: their
// namespaces and the root namespace's rules tagged with their names.
void RemoveStaleLabs(std::set<int>* subnets_in_use) {
  std::string out;
  (void)Run("ip netns list", &out);
  for (const std::string& line : Lines(out)) {
    const std::string name = line.substr(0, line.find(' '));
    if (!name.starts_with(kPrefix)) continue;
    int pid = 0;
    int subnet = 0;
    if (sscanf(name.c_str() + std::string(kPrefix).size(), "%d-%d", &pid, &subnet) != 2) continue;
    if (kill(pid, 0) == 0 || errno != ESRCH) {
      subnets_in_use->insert(subnet);
      continue;
    }
    (void)Run("ip netns del " + name, &out);
  }
  (void)Run("iptables -w -t nat -S PREROUTING", &out);
  for (const std::string& rule : Lines(out)) {
    const size_t at = rule.find(std::string("--comment ") + kPrefix);
    if (!rule.starts_with("-A ") || at == std::string::npos) continue;
    int pid = 0;
    int subnet = 0;
    const size_t name_at = at + std::string("--comment ").size() + std::string(kPrefix).size();
    if (sscanf(rule.c_str() + name_at, "%d-%d", &pid, &subnet) != 2) continue;
    if (kill(pid, 0) == 0 || errno != ESRCH) continue;
    std::string ignored;
    (void)Run("iptables -w -t nat -D" + rule.substr(2), &ignored);
  }
  // Addresses of this range someone else configured count as taken too.
  (void)Run("ip -4 -o addr show", &out);
  for (const std::string& line : Lines(out)) {
    const size_t at = line.find("inet 10.213.");
    if (at == std::string::npos) continue;
    subnets_in_use->insert(std::atoi(line.c_str() + at + std::string("inet 10.213.").size()));
  }
}

}  // namespace

std::unique_ptr<NetLab> NetLab::Create(std::string* error) {
  const int lock = open(kLockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock < 0 || flock(lock, LOCK_EX) != 0) {
    *error = std::string("cannot lock ") + kLockPath;
    if (lock >= 0) close(lock);
    return nullptr;
  }
  std::set<int> in_use;
  RemoveStaleLabs(&in_use);
  int subnet = 1;
  while (subnet < 255 && in_use.contains(subnet)) ++subnet;
  std::unique_ptr<NetLab> lab;
  if (subnet == 255) {
    *error = "no free 10.213.X.0/24 for a network lab";
  } else {
    const std::string name = kPrefix + std::to_string(getpid()) + "-" + std::to_string(subnet);
    std::string out;
    if (Run("ip netns add " + name, &out) != 0) {
      *error = "ip netns add " + name + " failed: " + out;
    } else {
      lab.reset(new NetLab(name, subnet));
      if (Run(lab->NsExec("ip link set lo up") + " && " +
                  lab->NsExec("sysctl -qw net.ipv4.conf.all.route_localnet=1"),
              &out) != 0) {
        *error = "setting up " + name + " failed: " + out;
        lab.reset();
      }
    }
  }
  flock(lock, LOCK_UN);
  close(lock);
  return lab;
}

NetLab::~NetLab() {
  std::string ignored;
  for (const std::string& rule : root_rules_) {
    (void)Run("iptables -w -t nat -D " + rule, &ignored);
  }
  // The namespace's veth ends go with it, and each pair with its end.
  (void)Run("ip netns del " + name_, &ignored);
}

std::string NetLab::NsExec(const std::string& command) const {
  return "ip netns exec " + name_ + " " + command;
}

std::vector<std::string> NetLab::Wrap(const std::vector<std::string>& argv) const {
  std::vector<std::string> out = {"/usr/sbin/ip", "netns", "exec", name_};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

std::string NetLab::ClientNetwork() const { return Address(subnet_, 0) + "/24"; }

const NetLab::Link* NetLab::Find(const std::string& server) const {
  for (const Link& link : links_) {
    if (link.server == server) return &link;
  }
  return nullptr;
}

::testing::AssertionResult NetLab::Route(const std::string& server, int port, int target_port) {
  if (Find(server) != nullptr) return ::testing::AssertionFailure() << server << " routed twice";
  const int i = static_cast<int>(links_.size());
  if (i >= 60) return ::testing::AssertionFailure() << "too many links";
  const std::string tag = "wnl" + std::to_string(subnet_);
  Link link{server, tag + "r" + std::to_string(i), tag + "n" + std::to_string(i)};
  const std::string root_ip = Address(subnet_, 4 * i + 1);
  const std::string ns_ip = Address(subnet_, 4 * i + 2);
  auto created = Check("ip link add " + link.root_if + " type veth peer name " + link.ns_if +
                       " netns " + name_);
  if (!created) return created;
  links_.push_back(link);
  const std::string root_rule = "PREROUTING -i " + link.root_if + " -d " + root_ip +
                                " -p tcp -m comment --comment " + name_ +
                                " -j DNAT --to-destination 127.0.0.1";
  for (const std::string& command : {
           "ip addr add " + root_ip + "/30 dev " + link.root_if,
           "ip link set " + link.root_if + " up",
           // Lets the root side deliver what arrives on the veth to loopback.
           "sysctl -qw net.ipv4.conf." + link.root_if + ".route_localnet=1",
           NsExec("ip addr add " + ns_ip + "/30 dev " + link.ns_if),
           NsExec("ip link set " + link.ns_if + " up"),
           NsExec("iptables -w -t nat -A OUTPUT -d 127.0.0.1 -p tcp --dport " +
                  std::to_string(port) + " -j DNAT --to-destination " + root_ip + ":" +
                  std::to_string(target_port)),
           // The rewritten packets still carry 127.0.0.1 as their source.
           NsExec("iptables -w -t nat -A POSTROUTING -o " + link.ns_if + " -j SNAT --to-source " +
                  ns_ip),
       }) {
    auto ok = Check(command);
    if (!ok) return ok;
  }
  auto ok = Check("iptables -w -t nat -A " + root_rule);
  if (!ok) return ok;
  root_rules_.push_back(root_rule);
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult NetLab::SetLinkUp(const std::string& server, bool up) {
  const Link* link = Find(server);
  if (link == nullptr) return ::testing::AssertionFailure() << server << " is not routed";
  return Check("ip link set " + link->root_if + (up ? " up" : " down"));
}

::testing::AssertionResult NetLab::SetDropping(const std::string& server, bool drop) {
  const Link* link = Find(server);
  if (link == nullptr) return ::testing::AssertionFailure() << server << " is not routed";
  const std::string op = drop ? " -I " : " -D ";
  auto out = Check(NsExec("iptables -w" + op + "OUTPUT -o " + link->ns_if + " -j DROP"));
  if (!out) return out;
  return Check(NsExec("iptables -w" + op + "INPUT -i " + link->ns_if + " -j DROP"));
}

::testing::AssertionResult NetLab::DropEstablished(const std::string& server, int port,
                                                   int* dropped) {
  const Link* link = Find(server);
  if (link == nullptr) return ::testing::AssertionFailure() << server << " is not routed";
  std::string out;
  // Sockets see the addresses before NAT: 127.0.0.1:LOCAL -> 127.0.0.1:port.
  if (Run(NsExec("ss -Htn state established dst 127.0.0.1:" + std::to_string(port)), &out) != 0) {
    return ::testing::AssertionFailure() << "ss failed: " << out;
  }
  *dropped = 0;
  for (const std::string& line : Lines(out)) {
    // Recv-Q Send-Q Local:Port Peer:Port
    std::istringstream fields(line);
    std::string recv_q, send_q, local;
    fields >> recv_q >> send_q >> local;
    const std::string local_port = local.substr(local.rfind(':') + 1);
    for (const std::string& rule :
         {"OUTPUT -o " + link->ns_if + " -p tcp --sport " + local_port + " -j DROP",
          "INPUT -i " + link->ns_if + " -p tcp --dport " + local_port + " -j DROP"}) {
      auto ok = Check(NsExec("iptables -w -I " + rule));
      if (!ok) return ok;
    }
    ++*dropped;
  }
  return ::testing::AssertionSuccess();
}

}  // namespace walcast::testing
