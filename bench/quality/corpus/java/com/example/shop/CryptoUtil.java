package com.example.shop;

import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/** Password hashing, card encryption and partner TLS for the payment module. */
public final class CryptoUtil {
    private static final String DB_PASSWORD = "Shop-Prod-2024!"; // expect: hardcoded-secret
    private static final String DB_PASSWORD_ENV = System.getenv("SHOP_DB_PASSWORD"); // safe: hardcoded-secret
    private static final SecretKeySpec CARD_KEY = new SecretKeySpec("k3y-f0r-c4rd-enc".getBytes(StandardCharsets.UTF_8), "AES"); // expect: hardcoded-secret
    private static final String DB_PASSWORD_PROPERTY = "shop.db.password"; // safe: hardcoded-secret

    private CryptoUtil() {}

    static byte[] hashPassword(String pw) throws Exception {
        return MessageDigest.getInstance("MD5").digest(pw.getBytes()); // expect: weak-crypto
    }

    static byte[] hashPasswordSha1(String pw, byte[] salt) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-1"); // expect: weak-crypto
        md.update(salt);
        return md.digest(pw.getBytes());
    }

    static byte[] hashPasswordSafe(char[] pw, byte[] salt) throws Exception {
        SecretKeyFactory f = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256"); // safe: weak-crypto
        return f.generateSecret(new PBEKeySpec(pw, salt, 310000, 256)).getEncoded();
    }

    static String exportChecksum(byte[] exportFile) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-512"); // safe: weak-crypto
        return java.util.HexFormat.of().formatHex(sha.digest(exportFile));
    }

    static byte[] encryptCard(byte[] card, byte[] key) throws Exception {
        Cipher c = Cipher.getInstance("DES/CBC/PKCS5Padding"); // expect: weak-crypto
        c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "DES"));
        return c.doFinal(card);
    }

    static byte[] encryptDefault(byte[] data) throws Exception {
        Cipher c = Cipher.getInstance("AES"); // expect: weak-crypto
        c.init(Cipher.ENCRYPT_MODE, CARD_KEY);
        return c.doFinal(data);
    }

    static byte[] encryptEcb(byte[] data, byte[] key) throws Exception {
        Cipher c = Cipher.getInstance("AES/ECB/PKCS5Padding"); // expect: weak-crypto
        c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"));
        return c.doFinal(data);
    }

    static byte[] encryptGcm(byte[] data, byte[] key) throws Exception {
        byte[] iv = new byte[12];
        new SecureRandom().nextBytes(iv);
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding"); // safe: weak-crypto
        c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, iv));
        return c.doFinal(data);
    }

    static Object signingKeys() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(1024); // expect: weak-crypto
        KeyPairGenerator h = KeyPairGenerator.getInstance("RSA");
        h.initialize(3072); // safe: weak-crypto
        return new Object[] {g.generateKeyPair(), h.generateKeyPair()};
    }

    static byte[] mac(byte[] data, byte[] key) throws Exception {
        Mac m = Mac.getInstance("HmacSHA256"); // safe: weak-crypto
        m.init(new SecretKeySpec(key, "HmacSHA256"));
        return m.doFinal(data);
    }

    static String resetToken() {
        int code = ThreadLocalRandom.current().nextInt(100_000, 1_000_000); // expect: insecure-random
        return Integer.toString(code);
    }

    static String sessionId() {
        long v = (long) (Math.random() * Long.MAX_VALUE); // flow: insecure-random
        return Long.toHexString(v); // expect: insecure-random
    }

    static String resetTokenSafe() {
        return String.format("%06d", new SecureRandom().nextInt(1000000)); // safe: insecure-random
    }

    static int retryJitterMillis() {
        return new Random().nextInt(250); // safe: insecure-random
    }

    static SSLContext trustAll() throws Exception {
        TrustManager[] trustAll = {new X509TrustManager() { // expect: tls
            public void checkClientTrusted(X509Certificate[] chain, String authType) {}
            public void checkServerTrusted(X509Certificate[] chain, String authType) {}
            public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
        }};
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, trustAll, new SecureRandom());
        return ctx;
    }

    static void acceptAnyHostname() {
        HttpsURLConnection.setDefaultHostnameVerifier((hostname, sslSession) -> true); // expect: tls
    }

    static SSLContext legacyContext() throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLSv1.1"); // expect: tls | weak-crypto
        ctx.init(null, null, null);
        return ctx;
    }

    static SSLContext modernContext() throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLSv1.2"); // safe: tls
        ctx.init(null, null, new SecureRandom());
        return ctx;
    }

    static HttpURLConnection charge() throws Exception {
        return (HttpURLConnection) new URL("http://gateway.paynet-partner.io/v1/charge").openConnection(); // expect: tls
    }

    static HttpURLConnection chargeSafe() throws Exception {
        return (HttpURLConnection) new URL("https://gateway.partner.example.com/v1/charge").openConnection(); // safe: tls
    }
}
