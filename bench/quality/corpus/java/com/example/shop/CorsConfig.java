package com.example.shop;

import java.io.IOException;
import java.util.List;
import javax.servlet.Filter;
import javax.servlet.FilterChain;
import javax.servlet.ServletException;
import javax.servlet.ServletRequest;
import javax.servlet.ServletResponse;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.CorsConfigurationSource;
import org.springframework.web.cors.UrlBasedCorsConfigurationSource;
import org.springframework.web.servlet.config.annotation.CorsRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

@Configuration
public class CorsConfig implements WebMvcConfigurer {
    static final List<String> TRUSTED = List.of("https://shop.example.com", "https://admin.example.com");

    @Override
    public void addCorsMappings(CorsRegistry registry) {
        registry.addMapping("/api/cart/**").allowedOriginPatterns("*").allowCredentials(true).maxAge(3600); // expect: cors
        registry.addMapping("/api/catalog/**").allowedOrigins("*").allowedMethods("GET"); // safe: cors
        registry.addMapping("/api/account/**").allowedOrigins(TRUSTED.toArray(new String[0])).allowCredentials(true); // safe: cors
    }

    @Bean
    public CorsConfigurationSource corsConfigurationSource() {
        CorsConfiguration checkout = new CorsConfiguration();
        checkout.setAllowedOriginPatterns(List.of("*")); // expect: cors
        checkout.setAllowedMethods(List.of("GET", "POST", "PUT"));
        checkout.setAllowCredentials(true);
        UrlBasedCorsConfigurationSource source = new UrlBasedCorsConfigurationSource();
        source.registerCorsConfiguration("/checkout/**", checkout);
        return source;
    }

    public static class EchoOriginFilter implements Filter {
        @Override
        public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
            HttpServletRequest incoming = (HttpServletRequest) req;
            HttpServletResponse http = (HttpServletResponse) res;
            http.addHeader("Access-Control-Allow-Origin", incoming.getHeader("Origin")); // expect: cors
            http.addHeader("Access-Control-Allow-Credentials", "true");
            chain.doFilter(req, res);
        }
    }

    public static class AllowListFilter implements Filter {
        @Override
        public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
            HttpServletRequest incoming = (HttpServletRequest) req;
            HttpServletResponse http = (HttpServletResponse) res;
            String origin = incoming.getHeader("Origin");
            if (origin != null && TRUSTED.contains(origin)) {
                http.setHeader("Access-Control-Allow-Origin", origin); // safe: cors
                http.setHeader("Access-Control-Allow-Credentials", "true");
                http.setHeader("Vary", "Origin");
            }
            chain.doFilter(req, res);
        }
    }
}
