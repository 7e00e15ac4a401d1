"""CWE -> OWASP Top 10 (2021) category, for rules that do not name one themselves.

The table follows the CWE lists OWASP publishes per 2021 category; a few weaknesses OWASP does
not list (ReDoS, prototype pollution, permissive modes) take the category of their parent CWE or
the one practitioners file them under. A rule whose CWE is missing here must set `owasp` itself.
"""

from __future__ import annotations

A01 = "A01:2021-Broken Access Control"
A02 = "A02:2021-Cryptographic Failures"
A03 = "A03:2021-Injection"
A04 = "A04:2021-Insecure Design"
A05 = "A05:2021-Security Misconfiguration"
A07 = "A07:2021-Identification and Authentication Failures"
A08 = "A08:2021-Software and Data Integrity Failures"
A09 = "A09:2021-Security Logging and Monitoring Failures"
A10 = "A10:2021-Server-Side Request Forgery"

CATEGORIES = (A01, A02, A03, A04, A05, "A06:2021-Vulnerable and Outdated Components", A07, A08, A09, A10)

BY_CWE = {
    # A01 Broken Access Control
    "CWE-22": A01,
    "CWE-23": A01,
    "CWE-36": A01,
    "CWE-73": A01,
    "CWE-276": A01,
    "CWE-352": A01,
    "CWE-377": A01,
    "CWE-379": A01,
    "CWE-601": A01,
    "CWE-639": A01,
    "CWE-732": A01,
    "CWE-862": A01,
    "CWE-200": A01,
    "CWE-538": A01,
    # A02 Cryptographic Failures
    "CWE-261": A02,
    "CWE-319": A02,
    "CWE-321": A02,
    "CWE-323": A02,
    "CWE-326": A02,
    "CWE-327": A02,
    "CWE-328": A02,
    "CWE-329": A02,
    "CWE-330": A02,
    "CWE-331": A02,
    "CWE-335": A02,
    "CWE-338": A02,
    "CWE-347": A02,
    "CWE-916": A02,
    "CWE-760": A02,
    "CWE-780": A02,
    "CWE-1327": A05,
    # A03 Injection
    "CWE-20": A03,
    "CWE-74": A03,
    "CWE-77": A03,
    "CWE-78": A03,
    "CWE-79": A03,
    "CWE-80": A03,
    "CWE-88": A03,
    "CWE-89": A03,
    "CWE-90": A03,
    "CWE-91": A03,
    "CWE-93": A03,
    "CWE-94": A03,
    "CWE-95": A03,
    "CWE-113": A03,
    "CWE-643": A03,
    "CWE-917": A03,
    "CWE-943": A03,
    "CWE-1336": A03,
    "CWE-470": A03,
    "CWE-134": A03,
    # A04 Insecure Design
    "CWE-209": A04,
    "CWE-400": A04,
    "CWE-1333": A04,
    "CWE-434": A04,
    "CWE-501": A04,
    # A05 Security Misconfiguration
    "CWE-16": A05,
    "CWE-489": A05,
    "CWE-611": A05,
    "CWE-614": A05,
    "CWE-776": A05,
    "CWE-942": A05,
    "CWE-1004": A05,
    "CWE-215": A05,
    "CWE-1275": A05,
    "CWE-693": A05,
    # A07 Identification and Authentication Failures
    "CWE-259": A07,
    "CWE-287": A07,
    "CWE-295": A07,
    "CWE-297": A07,
    "CWE-346": A07,  # Origin Validation Error (OWASP lists it here; CORS rules set A05 themselves)
    "CWE-384": A07,
    "CWE-521": A07,
    "CWE-613": A07,
    "CWE-798": A07,
    "CWE-522": A07,
    # A08 Software and Data Integrity Failures
    "CWE-345": A08,
    "CWE-494": A08,
    "CWE-502": A08,
    "CWE-829": A08,
    "CWE-915": A08,
    "CWE-1321": A08,
    # A09 Security Logging and Monitoring Failures
    "CWE-117": A09,
    "CWE-532": A09,
    "CWE-778": A09,
    # A10 Server-Side Request Forgery
    "CWE-918": A10,
}


def category_for(cwe: str) -> str | None:
    return BY_CWE.get(cwe)
