package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// interspersed moves a subcommand's positional arguments after its flags, so that
// `acrgen render DIR --registry X` works: urfave/cli stops reading flags at the first
// positional argument. Which flags take a value comes from the command's own definitions.
// It also writes the short form of a repeatable flag as its long form (`-r b` as
// `--registry b`): urfave/cli refuses a flag given in both forms ("Cannot use two forms of
// the same flag") even where the values add up, and `--registry a -r b` must mean both.
func interspersed(app *cli.App, args []string) []string {
	if len(args) < 2 {
		return args
	}
	cmd := app.Command(args[1])
	if cmd == nil {
		return args
	}
	boolFlags := map[string]bool{"help": true, "h": true}
	longName := map[string]string{} // alias of a repeatable flag -> its name
	for _, f := range cmd.Flags {
		switch f := f.(type) {
		case *cli.BoolFlag:
			for _, n := range f.Names() {
				boolFlags[n] = true
			}
		case *cli.StringSliceFlag:
			for _, a := range f.Aliases {
				longName[a] = f.Name
			}
		}
	}
	var flags, positional []string
	rest := args[2:]
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		switch {
		case a == "--":
			positional = append(positional, rest[i+1:]...)
			i = len(rest)
		case strings.HasPrefix(a, "-") && a != "-":
			name := strings.TrimLeft(a, "-")
			if n, v, ok := strings.Cut(name, "="); longName[n] != "" {
				a = "--" + longName[n]
				if ok {
					a += "=" + v
				}
			}
			flags = append(flags, a)
			if !strings.Contains(name, "=") && !boolFlags[name] && i+1 < len(rest) {
				i++
				flags = append(flags, rest[i])
			}
		default:
			positional = append(positional, a)
		}
	}
	out := append([]string{args[0], args[1]}, flags...)
	if len(positional) > 0 {
		out = append(append(out, "--"), positional...)
	}
	return out
}
