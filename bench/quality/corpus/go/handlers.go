// Package shop holds the HTTP handlers of a small storefront (net/http only).
package shop

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

const uploads = "/srv/shop/uploads"

var (
	db           *sql.DB
	imageHosts   = map[string]bool{"images.example.com": true, "cdn.example.com": true}
	returnPages  = map[string]string{"cart": "/cart", "home": "/", "orders": "/orders"}
	sortColumns  = map[string]bool{"created": true, "total": true, "status": true}
	page         = template.Must(template.New("p").Parse(`<p>{{.}}</p>`))
)

type User struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Email   string `json:"email"`
	IsAdmin bool   `json:"is_admin"`
}

type ProfileUpdate struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

func Products(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	rows, err := db.Query("SELECT id, name FROM products WHERE name LIKE '%" + q + "%'") // expect: sql-injection
	if err == nil {
		rows.Close()
	}
	rows, err = db.Query("SELECT id, name FROM products WHERE name LIKE $1", "%"+q+"%") // safe: sql-injection
	if err == nil {
		rows.Close()
	}
}

func Product(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	query := fmt.Sprintf("SELECT * FROM products WHERE id = %s", id) // flow: sql-injection
	row := db.QueryRow(query) // expect: sql-injection
	n, _ := strconv.Atoi(id)
	row2 := db.QueryRow(fmt.Sprintf("SELECT * FROM products WHERE id = %d", n)) // safe: sql-injection
	_, _ = row, row2
}

func Orders(w http.ResponseWriter, r *http.Request) {
	col := r.URL.Query().Get("sort")
	if !sortColumns[col] {
		col = "created"
	}
	rows, err := db.Query("SELECT * FROM orders ORDER BY " + col) // safe: sql-injection
	if err == nil {
		rows.Close()
	}
	status := r.URL.Query().Get("status")
	_, _ = db.Exec("UPDATE orders SET seen = true WHERE status = '" + status + "'") // expect: sql-injection
}

func Welcome(w http.ResponseWriter, r *http.Request) {
	visitor := r.URL.Query().Get("visitor")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	io.WriteString(w, "<p>Welcome back, "+visitor+"!</p>") // expect: xss
	io.WriteString(w, "<p>Welcome back, "+html.EscapeString(visitor)+"!</p>") // safe: xss
}

func Banner(w http.ResponseWriter, r *http.Request) {
	msg := r.FormValue("msg")
	_ = page.Execute(w, template.HTML(msg)) // expect: xss
	_ = page.Execute(w, msg) // safe: xss
}

func Echo(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	w.Write([]byte("<pre>" + string(body) + "</pre>")) // expect: xss
}

func Download(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("file")
	http.ServeFile(w, r, filepath.Join(uploads, name)) // expect: path-traversal
}

func DownloadSafe(w http.ResponseWriter, r *http.Request) {
	name := filepath.Base(r.URL.Query().Get("file"))
	http.ServeFile(w, r, filepath.Join(uploads, name)) // safe: path-traversal
}

func Invoice(w http.ResponseWriter, r *http.Request) {
	path := uploads + "/invoices/" + r.URL.Query().Get("id") + ".pdf" // flow: path-traversal
	f, err := os.Open(path) // expect: path-traversal
	if err != nil {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	defer f.Close()
	io.Copy(w, f)
}

func InvoiceSafe(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(r.URL.Query().Get("id"))
	if err != nil {
		http.Error(w, "bad id", http.StatusBadRequest)
		return
	}
	f, err := os.Open(fmt.Sprintf("%s/invoices/%d.pdf", uploads, id)) // safe: path-traversal
	if err == nil {
		defer f.Close()
		io.Copy(w, f)
	}
}

func ImageProxy(w http.ResponseWriter, r *http.Request) {
	target := r.URL.Query().Get("url")
	resp, err := http.Get(target) // expect: ssrf
	if err != nil {
		return
	}
	defer resp.Body.Close()
	io.Copy(w, resp.Body)
}

func ImageProxySafe(w http.ResponseWriter, r *http.Request) {
	u, err := url.Parse(r.URL.Query().Get("url"))
	if err != nil || u.Scheme != "https" || !imageHosts[u.Hostname()] {
		http.Error(w, "host not allowed", http.StatusBadRequest)
		return
	}
	resp, err := http.Get(u.String()) // safe: ssrf
	if err == nil {
		defer resp.Body.Close()
		io.Copy(w, resp.Body)
	}
}

func Webhook(w http.ResponseWriter, r *http.Request) {
	cb := r.FormValue("callback")
	req, _ := http.NewRequest(http.MethodPost, cb, strings.NewReader("{}")) // expect: ssrf
	http.DefaultClient.Do(req)
}

func CheckoutDone(w http.ResponseWriter, r *http.Request) {
	returnTo := r.FormValue("return_to")
	http.Redirect(w, r, returnTo, http.StatusSeeOther) // expect: open-redirect
}

func CheckoutDoneSafe(w http.ResponseWriter, r *http.Request) {
	dest, ok := returnPages[r.URL.Query().Get("next")]
	if !ok {
		dest = "/"
	}
	http.Redirect(w, r, dest, http.StatusFound) // safe: open-redirect
}

func Back(w http.ResponseWriter, r *http.Request) {
	prev := r.Header.Get("Referer")
	w.Header().Set("Location", prev) // expect: open-redirect
	w.WriteHeader(http.StatusFound)
}

func Convert(w http.ResponseWriter, r *http.Request) {
	src := r.FormValue("src")
	out, _ := exec.Command("sh", "-c", "convert uploads/"+src+" out.png").Output() // expect: command-injection
	w.Write(out)
}

func ConvertSafe(w http.ResponseWriter, r *http.Request) {
	src := filepath.Base(r.FormValue("src"))
	out, _ := exec.Command("convert", "--", filepath.Join(uploads, src), "out.png").Output() // safe: command-injection
	w.Write(out)
}

func Archive(w http.ResponseWriter, r *http.Request) {
	name := r.FormValue("name")
	cmdline := fmt.Sprintf("tar czf /backups/%s.tgz /srv/data/%s", name, name) // flow: command-injection
	cmd := exec.Command("bash", "-c", cmdline) // expect: command-injection
	cmd.Run()
}

func Uptime(w http.ResponseWriter, r *http.Request) {
	out, _ := exec.Command("uptime").Output() // safe: command-injection
	w.Write(out)
}

func Login(w http.ResponseWriter, r *http.Request) {
	sid := newSessionID()
	http.SetCookie(w, &http.Cookie{Name: "sid", Value: sid}) // expect: insecure-cookie
	http.SetCookie(w, &http.Cookie{Name: "sid", Value: sid, Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode}) // safe: insecure-cookie
	cookie := &http.Cookie{Name: "remember", Value: sid, HttpOnly: false, Secure: false} // expect: insecure-cookie
	http.SetCookie(w, cookie)
}

func CreateUser(w http.ResponseWriter, r *http.Request) {
	var u User
	if err := json.NewDecoder(r.Body).Decode(&u); err != nil { // expect: mass-assignment
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	_, _ = db.Exec("INSERT INTO users(name, email, is_admin) VALUES($1, $2, $3)", u.Name, u.Email, u.IsAdmin)
}

func UpdateProfile(w http.ResponseWriter, r *http.Request) {
	var p ProfileUpdate
	if err := json.NewDecoder(r.Body).Decode(&p); err != nil { // safe: mass-assignment
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	_, _ = db.Exec("UPDATE users SET name = $1, email = $2 WHERE id = $3", p.Name, p.Email, r.Context().Value("uid"))
}

func Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /account/delete", func(w http.ResponseWriter, r *http.Request) { // expect: csrf
		_, _ = db.Exec("DELETE FROM users WHERE id = $1", r.Context().Value("uid"))
	})
	mux.HandleFunc("POST /account/rename", UpdateProfile) // safe: csrf
}

func Fail(w http.ResponseWriter, err error) {
	http.Error(w, "query failed: "+err.Error(), http.StatusBadGateway) // expect: debug
	http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError) // safe: debug
}
