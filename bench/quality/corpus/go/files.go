// Package exports writes report files, unpacks uploaded archives and fixes permissions.
package exports

import (
	"archive/zip"
	"fmt"
	"io"
	"net/http"
	"net/http/pprof" // expect: debug
	"os"
	"path/filepath"
	"strings"
)

const root = "/var/lib/reports"

func WriteReport(name string, body []byte) error {
	return os.WriteFile(filepath.Join(root, filepath.Base(name)), body, 0777) // expect: file-permissions
}

func WriteReportSafe(name string, body []byte) error {
	return os.WriteFile(filepath.Join(root, filepath.Base(name)), body, 0640) // safe: file-permissions
}

func Publish(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0777); err != nil { // expect: file-permissions
		return err
	}
	return os.Chmod(path, os.ModePerm) // expect: file-permissions
}

func PublishSafe(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil { // safe: file-permissions
		return err
	}
	return os.Chmod(path, 0o640) // safe: file-permissions
}

func Scratch(body []byte) (string, error) {
	path := "/tmp/report-scratch.csv" // flow: file-permissions
	f, err := os.Create(path) // expect: file-permissions
	if err != nil {
		return "", err
	}
	defer f.Close()
	_, err = f.Write(body)
	return path, err
}

func ScratchSafe(body []byte) (string, error) {
	f, err := os.CreateTemp("", "report-*.csv") // safe: file-permissions
	if err != nil {
		return "", err
	}
	defer f.Close()
	_, err = f.Write(body)
	return f.Name(), err
}

func Unzip(archive, dest string) error {
	zr, err := zip.OpenReader(archive)
	if err != nil {
		return err
	}
	defer zr.Close()
	for _, f := range zr.File {
		out, err := os.OpenFile(filepath.Join(dest, f.Name), os.O_CREATE|os.O_WRONLY, 0o644) // expect: path-traversal
		if err != nil {
			return err
		}
		in, _ := f.Open()
		io.Copy(out, in)
		out.Close()
	}
	return nil
}

func UnzipSafe(archive, dest string) error {
	zr, err := zip.OpenReader(archive)
	if err != nil {
		return err
	}
	defer zr.Close()
	for _, f := range zr.File {
		target := filepath.Join(dest, f.Name)
		if !strings.HasPrefix(target, filepath.Clean(dest)+string(os.PathSeparator)) {
			return fmt.Errorf("illegal path %q", f.Name)
		}
		out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY, 0o644) // safe: path-traversal
		if err != nil {
			return err
		}
		in, _ := f.Open()
		io.Copy(out, in)
		out.Close()
	}
	return nil
}

func Remove(w http.ResponseWriter, r *http.Request) {
	os.Remove(root + "/" + r.URL.Query().Get("name")) // expect: path-traversal
	os.Remove(filepath.Join(root, filepath.Base(r.URL.Query().Get("name")))) // safe: path-traversal
}

func Listen() error {
	return http.ListenAndServe("0.0.0.0:6060", nil) // expect: debug
}

// PublicRoutes mounts the export API on the internet-facing mux, and the profiler "for on-call".
func PublicRoutes(mux *http.ServeMux) {
	mux.HandleFunc("/exports/remove", Remove)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile) // expect: debug
}

// AdminListen serves the profiler on loopback only, for an SSH tunnel.
func AdminListen() error {
	admin := http.NewServeMux()
	admin.HandleFunc("/debug/pprof/", pprof.Index) // safe: debug
	return http.ListenAndServe("127.0.0.1:6061", admin)
}
