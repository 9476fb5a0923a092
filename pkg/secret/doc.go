// Package secret is the pull Secret acrgen writes: its credential ([Credential], read with
// [ReadPassword]), the .dockerconfigjson value byte for byte as kubectl makes it
// ([DockerConfigJSON]), the plaintext Secret manifest with the annotations that record what it
// holds ([Plaintext], [Spec]), its name and file name ([ValidateName], [FileName]), and the
// one encryption interface that both front ends take and pkg/encrypt implements with sops
// ([Encrypter], [Keys], [Recipients]).
//
// It does no I/O and links no sops: the plaintext it builds only ever goes to an [Encrypter],
// and no error or String method of it holds a password.
package secret
