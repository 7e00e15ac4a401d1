// Package notes is a notes API on MongoDB with JWT auth and user-defined templates.
package notes

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"strings"
	"text/template"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
)

var (
	coll   *mongo.Collection
	jwtKey = []byte(os.Getenv("JWT_KEY"))
	// The RS256 public key as PEM bytes: returned as an HMAC secret it lets anyone sign HS256 tokens.
	publicKeyPEM, _ = os.ReadFile("/etc/notes/jwt-public.pem")
)

func Search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	filter := bson.M{"$where": "this.title.indexOf('" + q + "') >= 0"} // flow: nosql-injection
	cur, _ := coll.Find(context.Background(), filter) // expect: nosql-injection
	_ = cur
}

func SearchSafe(w http.ResponseWriter, r *http.Request) {
	q := regexp.QuoteMeta(r.URL.Query().Get("q"))
	cur, _ := coll.Find(context.Background(), bson.M{"title": bson.M{"$regex": q}}) // safe: nosql-injection
	_ = cur
}

func ByFilter(w http.ResponseWriter, r *http.Request) {
	var filter bson.M
	_ = bson.UnmarshalExtJSON([]byte(r.URL.Query().Get("filter")), false, &filter)
	cur, _ := coll.Find(context.Background(), filter) // expect: nosql-injection
	_ = cur
}

func Auth(r *http.Request) (jwt.MapClaims, error) {
	raw := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	tok, _, err := jwt.NewParser().ParseUnverified(raw, jwt.MapClaims{}) // expect: jwt
	if err != nil {
		return nil, err
	}
	return tok.Claims.(jwt.MapClaims), nil
}

func AuthAnyAlg(raw string) (*jwt.Token, error) {
	return jwt.Parse(raw, func(t *jwt.Token) (interface{}, error) { // expect: jwt
		return publicKeyPEM, nil
	})
}

func AuthSafe(raw string) (*jwt.Token, error) {
	return jwt.Parse(raw, func(t *jwt.Token) (interface{}, error) { // safe: jwt
		return jwtKey, nil
	}, jwt.WithValidMethods([]string{"HS256"}))
}

func Issue(userID string) (string, error) {
	claims := jwt.RegisteredClaims{Subject: userID, ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour))}
	tok := jwt.NewWithClaims(jwt.SigningMethodHS512, claims)
	return tok.SignedString([]byte("n0tes-hs512-signing-key")) // expect: hardcoded-secret
}

func RenderUserTemplate(w http.ResponseWriter, r *http.Request) {
	tpl, err := template.New("user").Parse(r.FormValue("template")) // expect: code-injection
	if err != nil {
		return
	}
	tpl.Execute(w, map[string]any{"env": os.Environ()})
}

func RenderFixedTemplate(w http.ResponseWriter, r *http.Request) {
	tpl := template.Must(template.New("fixed").Parse("Hello {{.}}\n")) // safe: code-injection
	w.Header().Set("Content-Type", "text/plain")
	tpl.Execute(w, r.FormValue("name"))
}

func Greeting(w http.ResponseWriter, r *http.Request) {
	tpl := template.Must(template.New("g").Parse("<p>Hello {{.}}</p>"))
	w.Header().Set("Content-Type", "text/html")
	tpl.Execute(w, r.FormValue("name")) // expect: xss
}

func Debug(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"env": os.Environ(), "args": os.Args}) // expect: debug
}
