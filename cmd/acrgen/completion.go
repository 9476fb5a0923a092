package main

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

// The bash and zsh scripts ask acrgen itself for the candidates (urfave/cli's
// --generate-bash-completion): the subcommands, or a subcommand's flags.
const bashCompletion = `# acrgen bash completion: source <(acrgen completion bash)
_acrgen_complete() {
  local cur="${COMP_WORDS[COMP_CWORD]}"
  local words=("${COMP_WORDS[@]:0:COMP_CWORD}")
  local opts
  if [[ "$cur" == -* ]]; then
    opts=$("${words[@]}" "$cur" --generate-bash-completion 2>/dev/null)
  else
    opts=$("${words[@]}" --generate-bash-completion 2>/dev/null)
  fi
  COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}
complete -o bashdefault -o default -F _acrgen_complete acrgen
`

const zshCompletion = `#compdef acrgen
# acrgen zsh completion: acrgen completion zsh > "${fpath[1]}/_acrgen"
_acrgen() {
  local -a opts
  local cur=${words[-1]}
  if [[ "$cur" == -* ]]; then
    opts=("${(@f)$(${words[@]:0:#words[@]-1} ${cur} --generate-bash-completion 2>/dev/null)}")
  else
    opts=("${(@f)$(${words[@]:0:#words[@]-1} --generate-bash-completion 2>/dev/null)}")
  fi
  if [[ "${opts[1]}" != "" ]]; then
    _describe 'values' opts
  else
    _files
  fi
}
compdef _acrgen acrgen
`

// completionCommand prints a shell completion script.
func completionCommand() *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print a completion script for bash, zsh or fish",
		ArgsUsage: "bash|zsh|fish",
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return cli.Exit("want one shell: bash, zsh or fish", exitUsage)
			}
			var script string
			switch c.Args().First() {
			case "bash":
				script = bashCompletion
			case "zsh":
				script = zshCompletion
			case "fish":
				s, err := c.App.ToFishCompletion()
				if err != nil {
					return cli.Exit("fish completion: "+err.Error(), exitUsage)
				}
				script = s
			default:
				return cli.Exit(fmt.Sprintf("unknown shell %q: want bash, zsh or fish", c.Args().First()), exitUsage)
			}
			_, err := fmt.Fprint(c.App.Writer, script)
			return err
		},
	}
}
