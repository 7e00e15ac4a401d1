// Package shop: cross-origin middleware for the storefront and partner APIs.
package shop

import (
	"net/http"

	"github.com/rs/cors"
)

var partnerOrigins = map[string]bool{"https://partners.example.com": true, "https://shop.example.com": true}

func partnerCORS(next http.Handler) http.Handler {
	c := cors.New(cors.Options{ // expect: cors
		AllowedOrigins:   []string{"*"},
		AllowedMethods:   []string{http.MethodGet, http.MethodPost},
		AllowCredentials: true,
	})
	return c.Handler(next)
}

func publicCORS(next http.Handler) http.Handler {
	return cors.New(cors.Options{AllowedOrigins: []string{"*"}, AllowedMethods: []string{http.MethodGet}}).Handler(next) // safe: cors
}

func sessionCORS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, req *http.Request) {
		rw.Header().Set("Access-Control-Allow-Origin", req.Header.Get("Origin")) // expect: cors
		rw.Header().Set("Access-Control-Allow-Credentials", "true")
		next.ServeHTTP(rw, req)
	})
}

func accountCORS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, req *http.Request) {
		if o := req.Header.Get("Origin"); partnerOrigins[o] {
			rw.Header().Set("Access-Control-Allow-Origin", o) // safe: cors
			rw.Header().Set("Access-Control-Allow-Credentials", "true")
			rw.Header().Add("Vary", "Origin")
		}
		next.ServeHTTP(rw, req)
	})
}
