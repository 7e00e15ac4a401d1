package com.example.shop;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Set;
import javax.servlet.ServletException;
import javax.servlet.http.Cookie;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import javax.sql.DataSource;
import org.apache.commons.lang3.exception.ExceptionUtils;
import org.apache.commons.text.StringEscapeUtils;

/** Storefront servlet: search, product pages, downloads, image proxy. */
public class ProductServlet extends HttpServlet {
    private static final Path UPLOADS = Paths.get("/srv/shop/uploads");
    private static final Set<String> IMAGE_HOSTS = Set.of("images.example.com", "cdn.example.com");
    private static final Map<String, String> RETURN_PAGES = Map.of("cart", "/cart", "home", "/");
    private DataSource dataSource;

    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws ServletException, IOException {
        switch (req.getPathInfo()) {
            case "/search": search(req, resp); break;
            case "/download": download(req, resp); break;
            default: resp.sendError(404);
        }
    }

    void search(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String q = req.getParameter("q");
        try (Connection c = dataSource.getConnection()) {
            Statement st = c.createStatement();
            ResultSet rs = st.executeQuery("SELECT id, name FROM products WHERE name LIKE '%" + q + "%'"); // expect: sql-injection
            PreparedStatement ps = c.prepareStatement("SELECT id, name FROM products WHERE name LIKE ?"); // safe: sql-injection
            ps.setString(1, "%" + q + "%");
            ResultSet rs2 = ps.executeQuery();
            PrintWriter out = resp.getWriter();
            out.println("<h1>Results for " + q + "</h1>"); // expect: xss
            out.println("<h1>Results for " + StringEscapeUtils.escapeHtml4(q) + "</h1>"); // safe: xss
        } catch (SQLException e) {
            resp.getWriter().print(ExceptionUtils.getStackTrace(e)); // expect: debug
        }
    }

    void searchLogged(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        try (Connection c = dataSource.getConnection()) {
            c.prepareStatement("SELECT 1").executeQuery();
        } catch (SQLException e) {
            getServletContext().log("search failed", e);
            resp.sendError(HttpServletResponse.SC_SERVICE_UNAVAILABLE, "search is unavailable, please retry"); // safe: debug
        }
    }

    void product(HttpServletRequest req, HttpServletResponse resp) throws IOException, SQLException {
        String id = req.getParameter("id");
        String sql = String.format("SELECT * FROM products WHERE id = %s", id); // flow: sql-injection
        try (Connection c = dataSource.getConnection()) {
            ResultSet rs = c.createStatement().executeQuery(sql); // expect: sql-injection
            int n = Integer.parseInt(id);
            ResultSet rs2 = c.createStatement().executeQuery("SELECT * FROM products WHERE id = " + n); // safe: sql-injection
        }
    }

    void sorted(HttpServletRequest req, HttpServletResponse resp) throws SQLException {
        String sort = req.getParameter("sort");
        String column = Set.of("created", "total", "status").contains(sort) ? sort : "created";
        try (Connection c = dataSource.getConnection()) {
            c.createStatement().executeQuery("SELECT * FROM orders ORDER BY " + column); // safe: sql-injection
            c.prepareStatement("SELECT * FROM orders WHERE status = '" + req.getParameter("status") + "'").executeQuery(); // expect: sql-injection
        }
    }

    void download(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String name = req.getParameter("file");
        Files.copy(UPLOADS.resolve(name), resp.getOutputStream()); // expect: path-traversal
        Path safe = UPLOADS.resolve(name).normalize();
        if (!safe.startsWith(UPLOADS)) {
            resp.sendError(400);
            return;
        }
        Files.copy(safe, resp.getOutputStream()); // safe: path-traversal
    }

    void invoice(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        File f = new File("/srv/shop/invoices/" + req.getParameter("id") + ".pdf"); // expect: path-traversal
        File g = new File("/srv/shop/invoices/" + Long.parseLong(req.getParameter("id")) + ".pdf"); // safe: path-traversal
        Files.copy(f.toPath(), resp.getOutputStream());
        Files.copy(g.toPath(), resp.getOutputStream());
    }

    void proxy(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        URL url = new URL(req.getParameter("url")); // flow: ssrf
        HttpURLConnection conn = (HttpURLConnection) url.openConnection(); // expect: ssrf
        try (InputStream in = conn.getInputStream()) {
            in.transferTo(resp.getOutputStream());
        }
    }

    void proxySafe(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        URI uri = URI.create(req.getParameter("url"));
        if (!"https".equals(uri.getScheme()) || !IMAGE_HOSTS.contains(uri.getHost())) {
            resp.sendError(400);
            return;
        }
        try (InputStream in = uri.toURL().openStream()) { // safe: ssrf
            in.transferTo(resp.getOutputStream());
        }
    }

    void done(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.sendRedirect(req.getParameter("next")); // expect: open-redirect
        resp.sendRedirect(RETURN_PAGES.getOrDefault(req.getParameter("next"), "/")); // safe: open-redirect
    }

    void back(HttpServletRequest req, HttpServletResponse resp) {
        String previous = req.getHeader("referer");
        resp.addHeader("Location", previous); // expect: open-redirect
        resp.setStatus(302);
    }

    void convert(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String src = req.getParameter("src");
        Runtime.getRuntime().exec("convert uploads/" + src + " out.png"); // expect: command-injection
        String[] cmd = {"/bin/sh", "-c", "convert uploads/" + src + " out.png"}; // flow: command-injection
        new ProcessBuilder(cmd).start(); // expect: command-injection
        new ProcessBuilder("convert", "--", Paths.get(src).getFileName().toString(), "out.png").start(); // safe: command-injection
        Runtime.getRuntime().exec(new String[] {"uptime"}); // safe: command-injection
    }

    void login(HttpServletRequest req, HttpServletResponse resp) {
        Cookie c = new Cookie("sid", req.getSession().getId()); // flow: insecure-cookie
        resp.addCookie(c); // expect: insecure-cookie
        Cookie d = new Cookie("sid", req.getSession().getId());
        d.setSecure(true);
        d.setHttpOnly(true);
        resp.addCookie(d); // safe: insecure-cookie
        Cookie e = new Cookie("remember", req.getParameter("user")); // flow: insecure-cookie
        e.setSecure(false); // expect: insecure-cookie
        resp.addCookie(e);
    }
}
