"""A small source per language that exercises every role of the analyze walk (functions, classes,
decisions, else-if chains, boolean runs, literals, comments, docstrings, recursion, lambdas, labelled
jumps). services.analyze.domain runs its C walk and its Python walk on these once per language and
uses the C walk only when both agree.
"""

from __future__ import annotations

__all__ = ["PROBES"]

_JS = """// comment
class A { m(a, ...r) { if (a && r || a) { return this.m(r[0]); } else if (a ?? 1) { return `t${a + `i${a}`}`; }
  else { for (const x of r) { outer: while (x) { break outer; } } } } }
const f = function (a = 1) { switch (a) { case 1: return a ? f(a - 1) : /re+/; default: return 'q'; } };
const g = (x) => { try { g(x); } catch (e) { /* block */ } };
"""

_TS = (
    _JS
    + """function h<T>(this: Window, x: T, y?: string): string { return `${x}${y ?? "none"}`; }
interface I { f(): void }
"""
)

PROBES: dict[str, str] = {
    "python": '''"""Module docstring."""
import os  # comment


class A:
    """Doc."""

    def m(self, a, b=1, *args, **kw):
        "bare string"
        x = f"{a!r:>{b}} {f'{a}' + 'in'}" "joined" 'parts'
        if a and b or not a:
            return [s for s in args if s]
        elif a:
            return lambda q: q if q else "no"
        else:  # comment
            if b:
                return self.m(a, b)
        while a:
            try:
                match a:
                    case 1:
                        pass
                    case _:
                        break
            except ValueError:
                continue
        with open(x) as fh:
            return fh, x


def f(n):
    def g():
        return f(n - 1)
    return g() or n
''',
    "javascript": _JS,
    "typescript": _TS,
    "tsx": _TS,
    "go": """package p

// Sum adds.
type T struct{ a int }

func (t *T) Sum(xs []int, a, b int) (total int) {
	f := func() int { return 1 }
outer:
	for _, x := range xs {
		if x > 0 && x < 10 || x == 3 {
			total += x
		} else if x < 0 {
			continue outer
		} else {
			goto outer
		}
		switch x { case 1: t.Sum(xs, a, b); default: }
	}
	s := "str" + `raw` + string('r')
	_ = s
	return f()
}
""",
    "java": """class A { /** doc */ int f(int a) { String s = "x" + 'c' + a;
  outer: for (int i = 0; i < a && a > 1; i++) { if (i > 2) { continue outer; } else if (i < 0) { break; } else { a--; } }
  switch (a) { case 1: return f(a - 1); default: break; }
  Runnable r = () -> { while (true) { } };
  try { return a > 0 ? f(a - 1) : s.length(); } catch (Exception e) { return 0; } }
  A(int x) { this.f(x); } }
interface I { void g(); }
""",
    "c": """/* c */ struct S { int a; };
static int f(int a) { const char *s = "x" "y";
  if (a && s || !a) { return f(a - 1); } else if (a < 0) { goto out; } else { a++; }
  for (;;) { switch (a) { case 1: break; default: continue; } }
  out: return a ? f(a - 1) + s[0] : 'c'; }
int g(void) { do { } while (0); return 0; }
""",
    "cpp": """// c
namespace n { class A { public: int f(int a) { auto l = [a]() { return a > 1 and a < 3; }; return l() ? f(a - 1) : 0; } }; }
int A::g(int a) { auto s = std::string("x") + R"(raw)"; try { if (a) { } else if (a || s.size()) { } } catch (...) { }
  for (auto x : s) { while (x) { } } return a && s.size() ? g(a - 1) : 0; }
""",
    "rust": """// comment
struct S { a: i32 }
impl S { fn f(&self, a: &str) -> String { let s = format!("{} {}", a, "b");
  'outer: for c in a.chars() { while true { break 'outer; } loop { continue; } }
  let cl = |x: i32| if x > 0 { x } else { 0 };
  match a.len() { 0 => self.f("x"), 1 | 2 => s.clone(), _ => s }
  ; if a.is_empty() || s.len() > 2 && true { f("x") } else if a == "y" { s } else { s + r#"raw"# } } }
""",
    "csharp": """class A { int F(int a) { var s = $"v {a} {"in"}" + @"verb" + 'c';
  foreach (var x in s) { lock (s) { using (var r = G()) { } } }
  switch (a) { case 1: goto default; default: break; }
  var y = a switch { 1 => "a", _ => "b" };
  Func<int, int> l = x => x > 0 ? x : 0;
  try { if (a > 0 && a < 3 || a == 9) { } else if (a < 0) { } else { } } catch (Exception) { }
  return a > 0 ? F(a - 1) : s.Length ?? 0; }
  A(int x) { } }
struct P { void Q() { } }
""",
    "ruby": """# comment
module M
  class A
    def f(a, b = 1, *r, **k, &blk)
      s = "x #{a + "in #{b}"} y" + 'q' + :sym.to_s
      if a && b || a then f(b, a) elsif a then "e" else %w[a b] end
      [1].each { |x| x unless x }
      case a when 1 then 2 else 3 end
      begin; a; rescue StandardError; b; end
      a ? 1 : 2
    end
    def self.g; g; end
  end
end
""",
    "php": """<?php
// comment
class A { function f($a, ...$r) { $s = "v $a {$a['k']}" . 'q' . <<<EOT
heredoc $a
EOT;
  foreach ($r as $x) { while ($x) { break 2; } }
  if ($a && $r || $a) { } elseif ($a) { } else { }
  $g = function ($y) { return $y ?? 1; };
  $h = fn($z) => $z;
  switch ($a) { case 1: break; default: }
  try { } catch (Exception $e) { }
  return $a ? $this->f($a - 1) : match ($a) { 1 => 'x', default => 'y' }; } }
function g() { return g(); }
""",
    "kotlin": """// comment
class A { fun f(a: Int): String { val s = "v $a ${a + 1}" + 'c'
  for (x in 0..a) { while (x > 0 && a > 1 || a == 2) { break } }
  val l = { x: Int -> x }
  when (a) { 1 -> "x"; else -> "y" }
  try { } catch (e: Exception) { }
  return if (a > 0) f(a - 1) else if (a < 0) "n" else s ?: "n" }
  companion object { fun g() = 1 } }
fun h(vararg x: Int) { }
""",
}
