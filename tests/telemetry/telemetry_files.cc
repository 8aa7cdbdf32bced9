#include "tests/telemetry/telemetry_files.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace herd::testing {
namespace {

Result<std::string> ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void ReplaceAll(std::string& s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
}

}  // namespace

Result<std::vector<ContractMetric>> ReadMetricContract(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadWhole(path));
  std::vector<ContractMetric> out;
  std::istringstream lines(text);
  std::string line;
  for (int n = 1; std::getline(lines, line); ++n) {
    line = line.substr(0, line.find('#'));
    std::istringstream words(line);
    ContractMetric m;
    std::string labels;
    if (!(words >> m.name)) continue;
    if (!(words >> m.type >> labels) ||
        (m.type != "counter" && m.type != "gauge" && m.type != "histogram")) {
      return InvalidArgument(path + ":" + std::to_string(n) + ": want \"name type labels\"");
    }
    out.push_back(m);
  }
  return out;
}

Result<std::vector<NamedExpr>> ReadDashboardExprs(const std::string& path,
                                                  const std::string& rate_interval) {
  ASSIGN_OR_RETURN(std::string text, ReadWhole(path));
  nlohmann::json dash = nlohmann::json::parse(text, nullptr, false);
  if (dash.is_discarded() || !dash.contains("panels")) {
    return InvalidArgument(path + ": not a dashboard (JSON with panels)");
  }
  std::vector<NamedExpr> out;
  for (const nlohmann::json& panel : dash["panels"]) {
    if (!panel.contains("targets")) continue;
    for (const nlohmann::json& target : panel["targets"]) {
      const std::string where =
          "panel '" + panel.value("title", "") + "' " + target.value("refId", "");
      if (!target.contains("expr") || !target["expr"].is_string()) {
        return InvalidArgument(path + ": " + where + " has no expr");
      }
      std::string expr = target["expr"];
      ReplaceAll(expr, "$__rate_interval", rate_interval);
      ReplaceAll(expr, "$namespace", ".*");
      ReplaceAll(expr, "$pod", ".*");
      out.push_back({where, expr});
    }
  }
  return out;
}

Result<std::vector<NamedExpr>> ReadRuleExprs(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadWhole(path));
  std::vector<NamedExpr> out;
  try {
    YAML::Node root = YAML::Load(text);
    if (!root["groups"] || !root["groups"].IsSequence()) {
      return InvalidArgument(path + ": no groups");
    }
    for (const YAML::Node& group : root["groups"]) {
      for (const YAML::Node& rule : group["rules"]) {
        const std::string name = rule["alert"]    ? rule["alert"].as<std::string>()
                                 : rule["record"] ? rule["record"].as<std::string>()
                                                  : "?";
        if (!rule["expr"]) return InvalidArgument(path + ": rule " + name + " has no expr");
        out.push_back({"rule " + name, rule["expr"].as<std::string>()});
      }
    }
  } catch (const YAML::Exception& e) {
    return InvalidArgument(path + ": " + e.what());
  }
  if (out.empty()) return InvalidArgument(path + ": no rules");
  return out;
}

}  // namespace herd::testing
