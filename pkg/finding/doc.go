// Package finding is what acrgen found about a tree or a resource list, as data: each
// [Finding] carries a stable code, a severity, where it is (file, line, object, field) and the
// arguments of its message. The wording lives in one table, [Rules]: code, name, message, hint
// and help. The CLI's text, JSON, SARIF and GitHub outputs and the KRM function's results are
// renderings of the same findings, so the two front ends cannot word one verdict two ways.
//
// Every argument and every path from the input is shown through [Quote]: a file or object name
// with a newline, an escape sequence or a bidirectional control cannot forge a line of
// acrgen's output, a terminal sequence or a CI workflow command.
package finding
