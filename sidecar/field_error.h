// Field errors in the style of Kubernetes' apimachinery `field.Error`, so that herd's answers to
// bad input read like kubectl's:
//
//   spec.restart: Unsupported value: "always": supported values: "permanent", "transient", ...
//   spec.maxRestarts: Invalid type: expected integer, got string "x"
//   spec.comand: unknown field "comand"
//
// Every function returns a kInvalidArgument Status whose message starts with the field path and
// whose field() is that path. Values shown in messages are quoted and escaped by QuoteValue, and
// cut short, so a hostile value never makes a huge or unprintable message. Pure functions; any
// thread.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "common/status.h"

namespace herd::sidecar {

// `s` in double quotes, with \", \\, \n, \t and \xHH escapes for anything unprintable, cut to
// about 64 bytes with "..." after the closing quote when longer.
std::string QuoteValue(std::string_view s);

// "<field>: Required value" (+ ": detail" when given).
Status FieldRequired(std::string field, std::string_view detail = {});
// "<field>: Invalid value: <shown>: <detail>"; `shown` is already formatted (QuoteValue(s) for
// a string, the digits for a number).
Status FieldInvalid(std::string field, std::string_view shown, std::string_view detail);
// "<field>: Invalid value: <n>: <detail>".
Status FieldInvalid(std::string field, int64_t n, std::string_view detail);
// "<field>: Unsupported value: "v": supported values: "a", "b"".
Status FieldUnsupported(std::string field, std::string_view value,
                        std::initializer_list<std::string_view> supported);
// "<field>: Duplicate value: "v"".
Status FieldDuplicate(std::string field, std::string_view value);
// "<field>: Forbidden: <detail>".
Status FieldForbidden(std::string field, std::string_view detail);
// "<field>: Too long: <detail>".
Status FieldTooLong(std::string field, std::string_view detail);
// "<field>: Too many: <n>: must have at most <max> items".
Status FieldTooMany(std::string field, size_t n, size_t max);
// "<field>: Invalid type: expected <expected>, got <got>".
Status FieldWrongType(std::string field, std::string_view expected, std::string_view got);
// "<field>: unknown field "<key>"", where field is the parent path plus the key.
Status FieldUnknown(std::string_view parent, std::string_view key);
// "<field>: duplicate field "<key>"": a map gives the same key twice.
Status FieldDuplicateKey(std::string_view parent, std::string_view key);

// Joins a parent path and a key: ("spec", "command") -> "spec.command", ("", "kind") -> "kind".
std::string FieldPath(std::string_view parent, std::string_view key);
// ("spec.command", 2) -> "spec.command[2]".
std::string FieldIndex(std::string_view parent, size_t index);

}  // namespace herd::sidecar
