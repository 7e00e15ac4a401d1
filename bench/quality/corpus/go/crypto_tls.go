// Package payments signs and encrypts gateway requests and talks to partners over TLS.
package payments

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/rc4"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"io"
	mrand "math/rand"
	"net/http"
	"os"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/ssh"
)

const apiSecret = "sk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0" // expect: hardcoded-secret

var (
	dbPassword    = "gateway-prod-pw-2024" // expect: hardcoded-secret
	apiSecretEnv  = os.Getenv("PAYMENTS_API_SECRET") // safe: hardcoded-secret
	signingKey    = []byte("0123456789abcdef0123456789abcdef") // expect: hardcoded-secret
	partnerHeader = "X-Partner-Id" // safe: hardcoded-secret
)

func LegacyPasswordDigest(password string) string {
	return fmt.Sprintf("%x", md5.Sum([]byte(password))) // expect: weak-crypto
}

func MerchantPasswordDigest(password, merchantSalt string) string {
	digest := sha1.Sum([]byte(merchantSalt + ":" + password)) // expect: weak-crypto
	return hex.EncodeToString(digest[:])
}

func HashPasswordSafe(pw string) ([]byte, error) {
	return bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost) // safe: weak-crypto
}

func Checksum(b []byte) string {
	sum := sha256.Sum256(b) // safe: weak-crypto
	return hex.EncodeToString(sum[:])
}

func Sign(b []byte) string {
	m := hmac.New(sha256.New, []byte(apiSecretEnv)) // safe: weak-crypto
	m.Write(b)
	return hex.EncodeToString(m.Sum(nil))
}

func EncryptCard(card, key []byte) ([]byte, error) {
	block, err := des.NewTripleDESCipher(key) // expect: weak-crypto
	if err != nil {
		return nil, err
	}
	out := make([]byte, len(card))
	block.Encrypt(out, card)
	return out, nil
}

func ObfuscateTerminalPayload(payload, sessionKey []byte) ([]byte, error) {
	stream, err := rc4.NewCipher(sessionKey) // expect: weak-crypto
	if err != nil {
		return nil, err
	}
	sealed := make([]byte, len(payload))
	stream.XORKeyStream(sealed, payload)
	return sealed, nil
}

func EncryptGCM(data, key []byte) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block) // safe: weak-crypto
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize())
	rand.Read(nonce)
	return gcm.Seal(nonce, nonce, data, nil), nil
}

func EncryptCBCFixedIV(data, key []byte) []byte {
	block, _ := aes.NewCipher(key)
	iv := make([]byte, aes.BlockSize)
	mode := cipher.NewCBCEncrypter(block, iv) // expect: weak-crypto
	out := make([]byte, len(data))
	mode.CryptBlocks(out, data)
	return out
}

func NewWebhookSigner() (*rsa.PrivateKey, error) {
	const bits = 1024
	signer, err := rsa.GenerateKey(rand.Reader, bits) // expect: weak-crypto
	return signer, err
}

func NewWebhookSignerSafe() (*rsa.PrivateKey, error) {
	signer, err := rsa.GenerateKey(rand.Reader, 4096) // safe: weak-crypto
	return signer, err
}

func CardVerificationCode() string {
	return fmt.Sprintf("%06d", mrand.Int31n(1_000_000)) // expect: insecure-random
}

func CardVerificationCodeSafe() (string, error) {
	raw := make([]byte, 16)
	if _, err := io.ReadFull(rand.Reader, raw); err != nil { // safe: insecure-random
		return "", err
	}
	return hex.EncodeToString(raw), nil
}

func SessionID() string {
	return fmt.Sprintf("%x", mrand.New(mrand.NewSource(42)).Int63()) // expect: insecure-random
}

func RetryJitterMillis(attempt int) int {
	return attempt*100 + mrand.Intn(100) // safe: insecure-random
}

func PartnerClient() *http.Client {
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} // expect: tls
	return &http.Client{Transport: tr}
}

func PartnerClientSafe() *http.Client {
	tr := &http.Transport{TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12}} // safe: tls
	return &http.Client{Transport: tr}
}

func LegacyServerConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS10} // expect: tls | weak-crypto
}

func Charge(body []byte) (*http.Response, error) {
	return http.Post("http://gateway.paynet-partner.io/v1/charge", "application/json", nil) // expect: tls
}

func ChargeSafe(body []byte) (*http.Response, error) {
	return http.Post("https://gateway.partner.example.com/v1/charge", "application/json", nil) // safe: tls
}

func Serve(h http.Handler) error {
	return http.ListenAndServe(":8080", h) // expect: tls
}

func ServeTLS(h http.Handler) error {
	return http.ListenAndServeTLS(":8443", "cert.pem", "key.pem", h) // safe: tls
}

func BastionConfig() *ssh.ClientConfig {
	return &ssh.ClientConfig{User: "ops", HostKeyCallback: ssh.InsecureIgnoreHostKey()} // expect: tls
}
