#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace walcast::testing {

// A network namespace for one walcast process under test, cut off from
// everything but the servers routed into it (docs/network-faults.md). Each
// server gets its own veth pair with a private /30 (10.213.X.4i+1 on the root
// side, .4i+2 in the namespace; X is unique among the labs alive on the
// machine), so a fault on one server's link leaves the others alone.
//
// Inside the namespace walcast connects to 127.0.0.1:PORT as in every other
// test (the namespace's own loopback); iptables DNAT sends that across the
// server's veth, and on the root side a second DNAT (route_localnet on the
// root-side veth) delivers it to the server on the root namespace's
// loopback. The server sees the peer 10.213.X.4i+2 (PostgreSQL needs a
// pg_hba line for ClientNetwork()). Kafka's advertised 127.0.0.1 address
// works unchanged, since the namespace maps it the same way.
//
// Cleanup: the destructor deletes the namespace (its veth ends, and with
// them the pairs, go too) and the root namespace's rules, which carry the
// lab's name as an iptables comment; Create() first removes what labs of
// dead processes left behind (e.g. after a SIGKILL). Needs root.
//
// Thread: the test's main thread; every call blocks on `ip`/`iptables`.
class NetLab {
 public:
  // Creates the namespace (loopback up, route_localnet on). nullptr and
  // *error on failure.
  static std::unique_ptr<NetLab> Create(std::string* error);
  ~NetLab();
  NetLab(const NetLab&) = delete;
  NetLab& operator=(const NetLab&) = delete;

  // Routes 127.0.0.1:`port` inside the namespace over a new veth pair named
  // after `server` to 127.0.0.1:`target_port` in the root namespace (the
  // server itself, or a fault proxy in front of it).
  ::testing::AssertionResult Route(const std::string& server, int port, int target_port);
  // `ip link set <root-side veth> down|up`: the namespace side loses its
  // carrier; established connections hang, new ones time out.
  ::testing::AssertionResult SetLinkUp(const std::string& server, bool up);
  // Inserts (or removes) iptables DROP rules for everything leaving or
  // entering the namespace through `server`'s veth: packets vanish silently,
  // so connections hang instead of being refused.
  ::testing::AssertionResult SetDropping(const std::string& server, bool drop);
  // Drops, for good, the packets of every connection open now to `server`
  // (found with `ss` in the namespace, matched by local port) while new
  // connections pass: what a stateful firewall or NAT that lost its state
  // does to old connections. *dropped gets how many connections that was.
  ::testing::AssertionResult DropEstablished(const std::string& server, int port, int* dropped);

  // `argv` run inside the namespace (through `ip netns exec`, which execs
  // it: the pid stays the command's).
  std::vector<std::string> Wrap(const std::vector<std::string>& argv) const;
  // "10.213.X.0/24": the addresses the namespace's connections come from.
  std::string ClientNetwork() const;
  const std::string& name() const { return name_; }

 private:
  NetLab(std::string name, int subnet) : name_(std::move(name)), subnet_(subnet) {}
  struct Link {
    std::string server;
    std::string root_if;
    std::string ns_if;
  };
  const Link* Find(const std::string& server) const;
  std::string NsExec(const std::string& command) const;

  std::string name_;
  int subnet_;
  std::vector<Link> links_;
  std::vector<std::string> root_rules_;  // iptables -t nat arguments, for -D
};

}  // namespace walcast::testing
