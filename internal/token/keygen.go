package token

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"

	"github.com/gatehouse/gatehouse/models"
)

// parseEntry takes the algorithm from the row and checks the key fits it,
// so the alg pinned on the verification key is never a surprise.
func parseEntry(r *models.Key) (*entry, error) {
	alg, err := parseAlg(r.Alg)
	if err != nil {
		return nil, err
	}
	pub, err := jwk.ParseKey([]byte(r.PublicJWK))
	if err != nil {
		return nil, fmt.Errorf("public jwk: %w", err)
	}
	if !isPublic(pub) {
		return nil, errors.New("public jwk holds private material")
	}
	if pub.KeyID() != r.KID {
		return nil, fmt.Errorf("public jwk kid %q != row kid", pub.KeyID())
	}
	if a := pub.Algorithm().String(); a != "" && a != alg.String() {
		return nil, fmt.Errorf("public jwk alg %q != row alg %q", a, r.Alg)
	}
	if err := checkKeyFits(alg, pub); err != nil {
		return nil, err
	}
	if err := pub.Set(jwk.AlgorithmKey, alg); err != nil {
		return nil, err
	}
	if err := pub.Set(jwk.KeyUsageKey, jwk.ForSignature); err != nil {
		return nil, err
	}
	return &entry{kid: r.KID, alg: alg, pub: pub, generation: r.Generation, createdAt: r.CreatedAt, activatesAt: r.ActivatesAt,
		retiredAt: r.RetiredAt, deleteAfter: r.DeleteAfter}, nil
}

func isPublic(k jwk.Key) bool {
	switch k.(type) {
	case jwk.ECDSAPublicKey, jwk.OKPPublicKey, jwk.RSAPublicKey:
		return true
	}
	return false
}

func parseAlg(s string) (jwa.SignatureAlgorithm, error) {
	switch s {
	case "ES256":
		return jwa.ES256, nil
	case "EdDSA":
		return jwa.EdDSA, nil
	case "RS256":
		return jwa.RS256, nil
	}
	return "", fmt.Errorf("unsupported alg %q", s)
}

func checkKeyFits(alg jwa.SignatureAlgorithm, k jwk.Key) error {
	var raw any
	if err := k.Raw(&raw); err != nil {
		return err
	}
	ok := false
	switch alg {
	case jwa.ES256:
		switch r := raw.(type) {
		case *ecdsa.PublicKey:
			ok = r.Curve == elliptic.P256()
		case *ecdsa.PrivateKey:
			ok = r.Curve == elliptic.P256()
		}
	case jwa.EdDSA:
		switch raw.(type) {
		case ed25519.PublicKey, ed25519.PrivateKey:
			ok = true
		}
	case jwa.RS256:
		switch r := raw.(type) {
		case *rsa.PublicKey:
			ok = r.N.BitLen() >= rsaBits
		case *rsa.PrivateKey:
			ok = r.N.BitLen() >= rsaBits
		}
	}
	if !ok {
		return fmt.Errorf("key type %T does not fit %s", raw, alg)
	}
	return nil
}

// privateOf parses a row's unsealed private JWK and checks that it is the
// private half of the row's public key. The public column is not sealed, so
// whoever can write the table could put their own key there; only the sealed
// private key (which needs SECRET) says which public key is really ours.
func privateOf(e *entry, privJSON []byte) (jwk.Key, error) {
	priv, err := jwk.ParseKey(privJSON)
	if err != nil {
		return nil, fmt.Errorf("private jwk: %w", err)
	}
	if err := checkKeyFits(e.alg, priv); err != nil {
		return nil, err
	}
	pub, err := jwk.PublicKeyOf(priv)
	if err != nil {
		return nil, err
	}
	a, err := pub.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, err
	}
	b, err := e.pub.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, err
	}
	if string(a) != string(b) {
		return nil, errors.New("stored public key does not match the sealed private key")
	}
	return priv, nil
}

func parseSigner(e *entry, priv jwk.Key) (*signer, error) {
	var raw any
	if err := priv.Raw(&raw); err != nil {
		return nil, err
	}
	sg, err := newSigner(e.kid, e.alg, raw)
	if err != nil {
		return nil, err
	}
	sg.activatesAt, sg.retiredAt = e.activatesAt, e.retiredAt
	return sg, nil
}

// newSigner prepares what every token signed with the key shares: jwx's
// signer for the algorithm and the encoded protected header
// {"alg","kid","typ":"JWT"}, which jws.Sign would otherwise build and
// marshal per token.
func newSigner(kid string, alg jwa.SignatureAlgorithm, raw any) (*signer, error) {
	sg, err := jws.NewSigner(alg)
	if err != nil {
		return nil, err
	}
	h := jws.NewHeaders()
	for k, v := range map[string]any{jws.AlgorithmKey: alg, jws.KeyIDKey: kid, jws.TypeKey: "JWT"} {
		if err := h.Set(k, v); err != nil {
			return nil, err
		}
	}
	js, err := json.Marshal(h)
	if err != nil {
		return nil, err
	}
	return &signer{kid: kid, alg: alg, key: raw, jwsSigner: sg, header: base64.RawURLEncoding.AppendEncode(nil, js)}, nil
}

// generate makes a fresh key row with a random 128-bit kid and the private
// JWK sealed under SECRET.
func (m *Manager) generate(now time.Time) (models.Key, error) {
	var raw any
	var err error
	switch m.alg {
	case jwa.ES256:
		raw, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case jwa.EdDSA:
		_, raw, err = ed25519.GenerateKey(rand.Reader)
	case jwa.RS256:
		raw, err = rsa.GenerateKey(rand.Reader, rsaBits)
	}
	if err != nil {
		return models.Key{}, err
	}
	id := make([]byte, 16)
	if _, err := rand.Read(id); err != nil {
		return models.Key{}, err
	}
	kid := base64.RawURLEncoding.EncodeToString(id)
	priv, err := jwk.FromRaw(raw)
	if err != nil {
		return models.Key{}, err
	}
	pub, err := jwk.PublicKeyOf(priv)
	if err != nil {
		return models.Key{}, err
	}
	for _, k := range []jwk.Key{priv, pub} {
		for name, v := range map[string]any{jwk.KeyIDKey: kid, jwk.AlgorithmKey: m.alg, jwk.KeyUsageKey: jwk.ForSignature} {
			if err := k.Set(name, v); err != nil {
				return models.Key{}, err
			}
		}
	}
	privJSON, err := json.Marshal(priv)
	if err != nil {
		return models.Key{}, err
	}
	pubJSON, err := json.Marshal(pub)
	if err != nil {
		return models.Key{}, err
	}
	sealed, err := m.sealer.seal(kid, privJSON)
	if err != nil {
		return models.Key{}, err
	}
	return models.Key{KID: kid, Alg: m.alg.String(), PrivateJWK: sealed, PublicJWK: string(pubJSON), CreatedAt: now}, nil
}
