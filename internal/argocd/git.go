package argocd

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"errors"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/acrgen/acrgen/internal/tree"
)

// gitFileMax bounds what acrgen reads of a file under .git.
const gitFileMax = 1 << 20

// gitRepo is what acrgen reads of the git repository of the source root, without running git:
// its remotes' URLs and what is checked out. A repository acrgen cannot read is a zero gitRepo
// (no remotes, no HEAD): every revision is then unknown.
type gitRepo struct {
	remotes []string
	head    string // the checked-out commit; empty when unknown
	branch  string // the checked-out branch; empty when detached
	// defaults are the branches the remotes' HEAD point at (refs/remotes/R/HEAD).
	defaults []string
	refs     map[string]string // full ref name -> commit (peeled, for annotated tags in packed-refs)
}

// openGit reads the repository whose git directory is gitDir (as tree.GitTop returns it: the
// .git directory, or the git directory a linked worktree's or submodule's .git file names and
// that verifiably belongs to it).
func openGit(gitDir string) *gitRepo {
	g := &gitRepo{refs: map[string]string{}}
	common := gitDir
	if b := readGitFile(filepath.Join(gitDir, "commondir")); b != "" {
		common = b
		if !filepath.IsAbs(common) {
			common = filepath.Join(gitDir, common)
		}
	}
	g.remotes = remoteURLs(readGitFile(filepath.Join(common, "config")))
	g.readPackedRefs(filepath.Join(common, "packed-refs"))
	g.readLooseRefs(common, "refs")
	head := readGitFile(filepath.Join(gitDir, "HEAD"))
	if ref, ok := strings.CutPrefix(head, "ref: "); ok {
		g.branch = strings.TrimPrefix(ref, "refs/heads/")
		g.head = g.refs[ref]
	} else if isSHA(head) {
		g.head = head
	}
	for name := range g.refs {
		if strings.HasPrefix(name, "refs/remotes/") && strings.HasSuffix(name, "/HEAD") {
			if d := readGitFile(filepath.Join(common, filepath.FromSlash(name))); strings.HasPrefix(d, "ref: refs/remotes/") {
				_, branch, _ := strings.Cut(strings.TrimPrefix(d, "ref: refs/remotes/"), "/")
				g.defaults = append(g.defaults, branch)
			}
		}
	}
	return g
}

func readGitFile(p string) string {
	b, _, err := tree.ReadRegular(p, gitFileMax)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

var shaRe = regexp.MustCompile(`^[0-9a-f]{40}([0-9a-f]{24})?$`)

func isSHA(s string) bool { return shaRe.MatchString(s) }

func (g *gitRepo) readPackedRefs(p string) {
	b, _, err := tree.ReadRegular(p, 64<<20)
	if err != nil {
		return
	}
	last := ""
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		if peeled, ok := strings.CutPrefix(line, "^"); ok && last != "" && isSHA(peeled) {
			g.refs[last] = peeled // the commit an annotated tag points at
			continue
		}
		sha, name, ok := strings.Cut(line, " ")
		if ok && isSHA(sha) {
			g.refs[name], last = sha, name
		}
	}
}

// readLooseRefs reads the refs under common/dir; a loose ref overrides a packed one. A
// symbolic ref (refs/remotes/origin/HEAD) is recorded with no commit.
func (g *gitRepo) readLooseRefs(common, dir string) {
	entries, err := os.ReadDir(filepath.Join(common, filepath.FromSlash(dir)))
	if err != nil {
		return
	}
	for _, e := range entries {
		name := dir + "/" + e.Name()
		switch {
		case e.IsDir():
			g.readLooseRefs(common, name)
		case e.Type().IsRegular():
			v := readGitFile(filepath.Join(common, filepath.FromSlash(name)))
			if isSHA(v) {
				if strings.HasPrefix(name, "refs/tags/") {
					v = peelTag(common, v)
				}
				g.refs[name] = v
			} else if strings.HasPrefix(v, "ref: ") {
				g.refs[name] = ""
			}
		}
	}
}

// peelTag returns the object an annotated tag points at, when the tag is a loose object (git
// writes a new tag so); otherwise sha as it is: a lightweight tag, or one acrgen cannot read.
func peelTag(common, sha string) string {
	f, err := os.Open(filepath.Join(common, "objects", sha[:2], sha[2:]))
	if err != nil {
		return sha
	}
	defer f.Close()
	z, err := zlib.NewReader(io.LimitReader(f, gitFileMax))
	if err != nil {
		return sha
	}
	b, err := io.ReadAll(io.LimitReader(z, 4096))
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return sha
	}
	hdr, body, ok := bytes.Cut(b, []byte{0})
	if !ok || !bytes.HasPrefix(hdr, []byte("tag ")) {
		return sha
	}
	if obj, ok := bytes.CutPrefix(body, []byte("object ")); ok {
		if line, _, ok := bytes.Cut(obj, []byte("\n")); ok && isSHA(string(line)) {
			return string(line)
		}
	}
	return sha
}

// remoteURLs reads the url of every [remote "NAME"] section of a git config file.
func remoteURLs(config string) []string {
	var out []string
	inRemote := false
	for _, line := range strings.Split(config, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") {
			inRemote = strings.HasPrefix(strings.ToLower(line), `[remote "`)
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !inRemote || !ok || !strings.EqualFold(strings.TrimSpace(key), "url") {
			continue
		}
		value = strings.TrimSpace(value)
		if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
			value = value[1 : len(value)-1]
		}
		out = append(out, value)
	}
	return out
}

// revision says whether a targetRevision names what is checked out: "" and HEAD (the default
// branch, which a change checked here is meant to reach), the checked-out branch, a remote's
// default branch, a commit (or a prefix of at least 7 hex digits) equal to the checked-out one,
// or a branch or tag whose commit is the checked-out one. known is false when acrgen cannot
// read what is checked out.
func (g *gitRepo) revision(rev string) (seen, known bool) {
	if rev == "" || rev == "HEAD" {
		return true, true
	}
	if g.head == "" {
		return false, false
	}
	if rev == g.branch || rev == "refs/heads/"+g.branch {
		return true, true
	}
	for _, d := range g.defaults {
		if rev == d || rev == "refs/heads/"+d {
			return true, true
		}
	}
	if len(rev) >= 7 && len(rev) <= len(g.head) && strings.HasPrefix(g.head, strings.ToLower(rev)) && isHex(rev) {
		return true, true
	}
	for name, sha := range g.refs {
		if sha != g.head {
			continue
		}
		short := strings.TrimPrefix(strings.TrimPrefix(name, "refs/heads/"), "refs/tags/")
		if strings.HasPrefix(name, "refs/remotes/") {
			_, short, _ = strings.Cut(strings.TrimPrefix(name, "refs/remotes/"), "/")
		}
		if rev == name || rev == short {
			return true, true
		}
	}
	return false, true
}

func isHex(s string) bool {
	for _, c := range strings.ToLower(s) {
		if !strings.ContainsRune("0123456789abcdef", c) {
			return false
		}
	}
	return true
}

// describe says what is checked out, for messages.
func (g *gitRepo) describe() string {
	short := g.head
	if len(short) > 7 {
		short = short[:7]
	}
	if g.branch != "" {
		return "branch " + g.branch + " at " + short
	}
	return "commit " + short
}

// NormalizeURL reduces a git repository URL to host/path, lowercased, without scheme, user,
// port, trailing slash or .git, so that the https, ssh and scp-like forms of one repository
// compare equal: https://github.com/Org/Repo.git, git@github.com:org/repo and
// ssh://git@github.com:22/org/repo/ are all github.com/org/repo. Azure DevOps' forms
// (https://dev.azure.com/ORG/PROJECT/_git/REPO, git@ssh.dev.azure.com:v3/ORG/PROJECT/REPO,
// https://ORG.visualstudio.com/PROJECT/_git/REPO) are all dev.azure.com/ORG/PROJECT/REPO.
func NormalizeURL(raw string) string {
	s := strings.ToLower(strings.TrimSpace(raw))
	var host, path string
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil {
			return s
		}
		host, path = u.Hostname(), u.Path
	} else if h, p, ok := strings.Cut(s, ":"); ok && !strings.Contains(h, "/") {
		// scp-like: [user@]host:path
		if i := strings.LastIndex(h, "@"); i >= 0 {
			h = h[i+1:]
		}
		host, path = h, p
	} else {
		return strings.TrimSuffix(strings.TrimSuffix(s, "/"), ".git")
	}
	path = strings.Trim(path, "/")
	path = strings.TrimSuffix(strings.TrimSuffix(path, ".git"), "/")
	segs := strings.Split(path, "/")
	switch {
	case (host == "ssh.dev.azure.com" || host == "vs-ssh.visualstudio.com") && len(segs) == 4 && segs[0] == "v3":
		return "dev.azure.com/" + strings.Join(segs[1:], "/")
	case host == "dev.azure.com" && len(segs) == 4 && segs[2] == "_git":
		return "dev.azure.com/" + segs[0] + "/" + segs[1] + "/" + segs[3]
	case strings.HasSuffix(host, ".visualstudio.com"):
		if len(segs) > 0 && segs[0] == "defaultcollection" {
			segs = segs[1:]
		}
		if len(segs) == 3 && segs[1] == "_git" {
			return "dev.azure.com/" + strings.TrimSuffix(host, ".visualstudio.com") + "/" + segs[0] + "/" + segs[2]
		}
	}
	return host + "/" + path
}
