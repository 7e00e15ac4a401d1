package com.example.shop;

import com.mongodb.BasicDBObject;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import io.jsonwebtoken.Claims;
import io.jsonwebtoken.Jwts;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import javax.script.ScriptEngine;
import javax.script.ScriptEngineManager;
import javax.script.ScriptException;
import javax.servlet.http.HttpServletRequest;
import org.apache.commons.beanutils.BeanUtils;
import org.bson.Document;
import org.springframework.context.annotation.Bean;
import org.springframework.expression.ExpressionParser;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.expression.spel.support.StandardEvaluationContext;
import org.springframework.expression.spel.support.SimpleEvaluationContext;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.view.RedirectView;

/** Account endpoints of the shop (Spring Boot). */
@RestController
public class AccountController {
    private static final Pattern EMAIL = Pattern.compile("^([a-zA-Z0-9]+\\.?)+@example\\.com$"); // expect: redos
    private static final Pattern EMAIL_SAFE = Pattern.compile("^[a-zA-Z0-9.]{1,64}@example\\.com$"); // safe: redos
    private static final byte[] JWT_KEY = Base64.getDecoder().decode(System.getenv("SHOP_JWT_SECRET_B64")); // safe: hardcoded-secret
    private static final String LEGACY_TOKEN_SECRET = "9c1f5b7e2a4d8e6f0b3c7a9d1e5f2a4c"; // expect: hardcoded-secret

    private MongoCollection<Document> users;
    private UserRepository repo;

    @Bean
    SecurityFilterChain filterChain(HttpSecurity http) throws Exception {
        http.csrf(csrf -> csrf.disable()); // expect: csrf
        return http.build();
    }

    @Bean
    SecurityFilterChain apiChain(HttpSecurity http) throws Exception {
        http.csrf(csrf -> csrf.ignoringRequestMatchers("/webhooks/stripe")); // safe: csrf
        return http.build();
    }

    @PostMapping("/login")
    Object login(@RequestBody Map<String, Object> body) {
        Document user = users.find(new Document("name", body.get("name")).append("password", body.get("password"))).first(); // expect: nosql-injection
        Document user2 = users.find(Filters.and(Filters.eq("name", String.valueOf(body.get("name"))), Filters.eq("password", String.valueOf(body.get("password"))))).first(); // safe: nosql-injection
        return user != null && user2 != null;
    }

    @GetMapping("/users/search")
    Object search(@RequestParam String q) {
        return users.find(new BasicDBObject("$where", "this.name.indexOf('" + q + "') >= 0")).first(); // expect: nosql-injection
    }

    @GetMapping("/users/search-js")
    Object searchWhere(@RequestParam String q) {
        return users.find(Filters.where("this.name == '" + q + "'")).first(); // expect: nosql-injection
    }

    @PostMapping("/users")
    User create(@ModelAttribute User user) { // expect: mass-assignment
        return repo.save(user);
    }

    @PostMapping("/users/form")
    User createFromForm(HttpServletRequest req) throws Exception {
        User user = new User();
        BeanUtils.populate(user, req.getParameterMap()); // expect: mass-assignment
        return repo.save(user);
    }

    @PostMapping("/users/safe")
    User createSafe(@RequestBody NewUserForm form) { // safe: mass-assignment
        User user = new User();
        user.setName(form.getName());
        user.setEmail(form.getEmail());
        return repo.save(user);
    }

    @GetMapping("/me")
    Object me(@RequestHeader("Authorization") String auth) {
        String token = auth.substring(7);
        Claims claims = Jwts.parser().setSigningKey(JWT_KEY).parseClaimsJws(token).getBody(); // safe: jwt
        return claims.getSubject();
    }

    @GetMapping("/me/unsafe")
    Object meUnsafe(@RequestHeader("Authorization") String auth) {
        String token = auth.substring(7, auth.lastIndexOf('.') + 1);
        return Jwts.parser().parseClaimsJwt(token).getBody().getSubject(); // expect: jwt
    }

    @GetMapping("/calc")
    Object calc(@RequestParam String formula) {
        ExpressionParser spel = new SpelExpressionParser();
        return spel.parseExpression(formula).getValue(new StandardEvaluationContext()); // expect: code-injection
    }

    @GetMapping("/calc-safe")
    Object calcSafe(@RequestParam String expr, @RequestParam String field) {
        ExpressionParser parser = new SpelExpressionParser();
        return parser.parseExpression("name").getValue(SimpleEvaluationContext.forReadOnlyDataBinding().build(), new User()); // safe: code-injection
    }

    @GetMapping("/script")
    Object script(@RequestParam String code) throws ScriptException {
        ScriptEngine engine = new ScriptEngineManager().getEngineByName("javascript");
        return engine.eval(code); // expect: code-injection
    }

    @GetMapping("/validate")
    boolean validate(@RequestParam String pattern, @RequestParam String value) {
        return Pattern.matches(pattern, value); // expect: redos
    }

    @GetMapping("/validate-literal")
    boolean validateLiteral(@RequestParam String needle, @RequestParam String value) {
        return Pattern.compile(Pattern.quote(needle)).matcher(value).find(); // safe: redos
    }

    @GetMapping("/email-ok")
    boolean emailOk(@RequestParam String email) {
        return EMAIL.matcher(email).matches() || EMAIL_SAFE.matcher(email).matches();
    }

    @GetMapping("/continue")
    RedirectView cont(@RequestParam("return_to") String returnTo) {
        RedirectView view = new RedirectView();
        view.setUrl(returnTo); // expect: open-redirect
        return view;
    }

    @GetMapping("/continue2")
    String cont2(@RequestParam String url) {
        return "redirect:" + url; // expect: open-redirect
    }

    @GetMapping("/continue-safe")
    String contSafe(@RequestParam String page) {
        return "redirect:" + (List.of("cart", "orders").contains(page) ? "/" + page : "/"); // safe: open-redirect
    }

    @GetMapping("/account/delete")
    String deleteViaGet(@RequestParam long id) { // expect: csrf
        repo.deleteById(id);
        return "deleted";
    }
}
