#pragma once

#include <QString>

#include <optional>
#include <utility>
#include <variant>

namespace pb {

// A diagnostic error from the core: which input field or line it concerns and what is wrong.
// The text is plain English for logs and for the UI to show next to its own translated
// framing; code decides on `code`, never on the text.
struct Error
{
    QString code;    // stable machine-readable key, e.g. "money.precision"
    QString field;   // the field, column or line the error is about; may be empty
    QString message; // human-readable, names the field and the offending value

    QString toString() const
    {
        return field.isEmpty() ? message : field + QStringLiteral(": ") + message;
    }
};

// std::expected-style result (std::expected is C++23; we build with C++20).
template<typename T>
class [[nodiscard]] Result
{
public:
    Result(T value) : m_v(std::move(value)) {}
    Result(Error error) : m_v(std::move(error)) {}

    bool ok() const { return m_v.index() == 0; }
    explicit operator bool() const { return ok(); }

    const T &value() const & { return std::get<0>(m_v); }
    T &value() & { return std::get<0>(m_v); }
    T &&value() && { return std::get<0>(std::move(m_v)); }
    const T &operator*() const & { return value(); }
    const T *operator->() const { return &value(); }

    const Error &error() const { return std::get<1>(m_v); }

    T valueOr(T fallback) const { return ok() ? value() : std::move(fallback); }

private:
    std::variant<T, Error> m_v;
};

// Result for operations without a value.
class [[nodiscard]] Status
{
public:
    Status() = default;
    Status(Error error) : m_error(std::move(error)) {}
    static Status success() { return {}; }

    bool ok() const { return !m_error.has_value(); }
    explicit operator bool() const { return ok(); }
    const Error &error() const { return *m_error; }

private:
    std::optional<Error> m_error;
};

inline Error makeError(QString code, QString field, QString message)
{
    return Error{std::move(code), std::move(field), std::move(message)};
}

} // namespace pb

// Unwraps a Result into `var`, or returns its error from the enclosing function (which must
// return a Result or Status): the parsers chain dozens of fallible field reads.
#define PB_TRY(var, expr)                  \
    auto var##_r = (expr);                 \
    if (!var##_r)                          \
        return var##_r.error();            \
    auto var = std::move(var##_r).value();
