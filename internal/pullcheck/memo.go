package pullcheck

import (
	"bytes"
	"crypto/sha256"
	"sync"

	"github.com/acrgen/acrgen/pkg/secret"
)

// Memo is a [secret.Decrypter] that decrypts each document once. check --online decrypts a
// Secret twice otherwise: in the engine, to verify its MAC, and in [Run], to read its
// credential (and once more for each further namespace a Secret without a namespace serves);
// with an Azure Key Vault key each decryption is a call to Key Vault, with PGP a gpg process.
// It keeps the plaintexts, which hold passwords, in memory only, until [Memo.Forget].
type Memo struct {
	dec  secret.Decrypter
	mu   sync.Mutex
	seen map[memoKey]memoAnswer
}

type memoKey struct {
	doc   [sha256.Size]byte
	local bool
}

type memoAnswer struct {
	plain []byte
	err   error
}

// Remember returns a Memo over dec. The caller calls Forget once done.
func Remember(dec secret.Decrypter) *Memo {
	return &Memo{dec: dec, seen: map[memoKey]memoAnswer{}}
}

// Decrypt is dec's Decrypt of doc, asked once per document and local; each caller gets its own
// copy of the plaintext, to clear after use.
func (m *Memo) Decrypt(doc []byte, local bool) ([]byte, error) {
	k := memoKey{sha256.Sum256(doc), local}
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.seen[k]
	if !ok {
		a.plain, a.err = m.dec.Decrypt(doc, local)
		m.seen[k] = a
	}
	return bytes.Clone(a.plain), a.err
}

// Forget clears the plaintexts kept and forgets every answer.
func (m *Memo) Forget() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, a := range m.seen {
		clear(a.plain)
		delete(m.seen, k)
	}
}
