#pragma once
// PostgreSQL's side of the store's words, for the libpq backend (postgres.cpp): the schema written
// in SQLite's dialect, result cells as store::Value, and parameters in the text format.
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <libpq-fe.h>

#include "store/database.hpp"

namespace cinema::store::postgres {

// The schema is written once, in SQLite's words: INTEGER is SQLite's 64-bit integer (PostgreSQL's
// BIGINT), and an AUTOINCREMENT key is an identity column.
std::string postgres_schema(std::string_view sql);
// CREATE or ALTER: a statement whose text postgres_schema translates.
bool is_schema_statement(std::string_view sql);
// Every row of a result, numbers as integers or reals as SQLite gives them.
Rows rows_of(const PGresult* result);
std::int64_t changed_rows(const PGresult* result);

// Parameters in PostgreSQL's text format; the server infers each one's type from the statement.
class TextParams {
 public:
  explicit TextParams(std::initializer_list<Value> params);
  [[nodiscard]] int count() const { return static_cast<int>(pointers_.size()); }
  [[nodiscard]] const char* const* values() const { return pointers_.data(); }

 private:
  std::vector<std::string> texts_;
  std::vector<bool> nulls_;
  std::vector<const char*> pointers_;
};

}  // namespace cinema::store::postgres
