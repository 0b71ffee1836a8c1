#pragma once

#include <functional>
#include <map>
#include <string>

#include "core/config.h"
#include "core/status.h"

namespace walcast::app {

// Looks up an environment variable: its value, or null when unset.
using EnvLookup = std::function<const char*(const char*)>;

// The librdkafka properties of the Kafka sink, from three families of keys,
// later ones winning: Kafka Connect's worker names (producer.<key>),
// Debezium's producer.override.<key>, and walcast's kafka.<key>. On top:
//  - a value written ${env:NAME} or ${file:PATH:KEY} (the syntax of Kafka's
//    EnvVarConfigProvider and FileConfigProvider) is replaced by the
//    variable, or by KEY's value in the properties file PATH;
//  - sasl.jaas.config with Kafka's ScramLoginModule or PlainLoginModule
//    becomes librdkafka's sasl.username and sasl.password (an explicit
//    sasl.username/sasl.password wins);
//  - Java's ssl.truststore.type=PEM with ssl.truststore.location becomes
//    ssl.ca.location; ssl.keystore.type=PKCS12 is dropped (librdkafka's
//    keystore is PKCS#12); JKS stores are refused with what to use instead;
//  - sasl.password, ssl.key.password and ssl.keystore.password come from
//    WALCAST_KAFKA_SASL_PASSWORD, WALCAST_KAFKA_SSL_KEY_PASSWORD and
//    WALCAST_KAFKA_SSL_KEYSTORE_PASSWORD when the configuration has none.
// kInvalidArgument names the offending key, never a secret's value: an
// unknown JAAS login module, a missing variable, file or key, a JKS store.
Result<std::map<std::string, std::string>> KafkaClientSettings(const Config& config,
                                                               const EnvLookup& env);

}  // namespace walcast::app
