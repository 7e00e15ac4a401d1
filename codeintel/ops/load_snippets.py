"""The load tool's built-in files: small application-style sources in several languages, and the
line-comment marker of each language (to make content unique without changing its meaning)."""

from __future__ import annotations

# Line-comment markers, to make content unique (a cache miss) without changing its meaning.
COMMENT_MARKERS = {
    **dict.fromkeys(
        (
            "python",
            "ruby",
            "bash",
            "perl",
            "r",
            "yaml",
            "toml",
            "elixir",
            "julia",
            "make",
            "dockerfile",
            "powershell",
            "hcl",
        ),
        "#",
    ),
    **dict.fromkeys(
        (
            "javascript",
            "typescript",
            "tsx",
            "go",
            "java",
            "rust",
            "c",
            "cpp",
            "csharp",
            "kotlin",
            "swift",
            "scala",
            "php",
            "dart",
            "zig",
            "groovy",
            "proto",
            "solidity",
            "objc",
        ),
        "//",
    ),
    **dict.fromkeys(("lua", "haskell", "sql"), "--"),
}

SNIPPETS: dict[str, str] = {
    "app/views.py": """import os
import subprocess
from dataclasses import dataclass


@dataclass
class Order:
    id: int
    items: list
    total: float = 0.0

    def add(self, name, price, qty=1):
        if qty <= 0:
            raise ValueError("qty must be positive")
        self.items.append((name, price, qty))
        self.total += price * qty
        return self.total


def export(order, target):
    for name, price, qty in order.items:
        if price > 100 and qty > 1:
            print(name, price * qty)
        elif price > 10:
            print(name)
    subprocess.call("tar czf " + target + " /tmp/orders", shell=True)
    return os.path.join("/tmp", target)
""",
    "web/server.js": """const express = require("express");
const { exec } = require("child_process");
const app = express();

class Cart {
  constructor() { this.items = []; }
  add(item, qty) {
    if (!item || qty <= 0) { throw new Error("bad item"); }
    this.items.push({ item, qty });
    return this.items.length;
  }
  total(prices) {
    let sum = 0;
    for (const { item, qty } of this.items) {
      sum += (prices[item] || 0) * qty;
    }
    return sum;
  }
}

app.get("/run", (req, res) => {
  exec("ls " + req.query.dir, (err, out) => res.send(err ? "error" : out));
});

module.exports = { app, Cart };
""",
    "src/store.ts": """export interface Item { id: string; price: number; tags?: string[] }

export class Store<T extends Item> {
  private items = new Map<string, T>();

  put(item: T): void {
    if (item.price < 0) { throw new Error(`negative price for ${item.id}`); }
    this.items.set(item.id, item);
  }

  cheapest(limit = 3): T[] {
    return [...this.items.values()].sort((a, b) => a.price - b.price).slice(0, limit);
  }

  byTag(tag: string): T[] {
    const out: T[] = [];
    for (const it of this.items.values()) {
      if (it.tags && it.tags.includes(tag)) { out.push(it); }
    }
    return out;
  }
}
""",
    "cmd/main.go": """package main

import (
	"database/sql"
	"fmt"
	"net/http"
)

type Server struct {
	db *sql.DB
}

func (s *Server) user(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("name")
	rows, err := s.db.Query("SELECT id FROM users WHERE name = '" + name + "'")
	if err != nil {
		http.Error(w, "db error", 500)
		return
	}
	defer rows.Close()
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err == nil {
			fmt.Fprintln(w, id)
		}
	}
}

func main() {
	s := &Server{}
	http.HandleFunc("/user", s.user)
	_ = http.ListenAndServe(":8080", nil)
}
""",
    "src/main/java/Accounts.java": """import java.util.ArrayList;
import java.util.List;

public class Accounts {
    private final List<String> names = new ArrayList<>();
    private double balance;

    public Accounts(double opening) {
        this.balance = opening;
    }

    public boolean withdraw(double amount) {
        if (amount <= 0 || amount > balance) {
            return false;
        }
        balance -= amount;
        return true;
    }

    public int find(String prefix) {
        int count = 0;
        for (String n : names) {
            if (n.startsWith(prefix)) {
                count++;
            } else if (n.isEmpty()) {
                break;
            }
        }
        return count;
    }
}
""",
    "src/lib.rs": """use std::collections::HashMap;

pub struct Index {
    words: HashMap<String, usize>,
}

impl Index {
    pub fn new() -> Self {
        Index { words: HashMap::new() }
    }

    pub fn add(&mut self, text: &str) -> usize {
        for w in text.split_whitespace() {
            *self.words.entry(w.to_lowercase()).or_insert(0) += 1;
        }
        self.words.len()
    }

    pub fn top(&self, n: usize) -> Vec<(&String, &usize)> {
        let mut v: Vec<_> = self.words.iter().collect();
        v.sort_by(|a, b| b.1.cmp(a.1));
        v.truncate(n);
        v
    }
}
""",
    "src/ring.c": """#include <stdlib.h>
#include <string.h>

typedef struct {
    int *data;
    size_t head, tail, cap;
} ring;

ring *ring_new(size_t cap) {
    ring *r = malloc(sizeof *r);
    if (!r) return NULL;
    r->data = calloc(cap, sizeof(int));
    r->head = r->tail = 0;
    r->cap = cap;
    return r;
}

int ring_push(ring *r, int v) {
    size_t next = (r->head + 1) % r->cap;
    if (next == r->tail) return -1;
    r->data[r->head] = v;
    r->head = next;
    return 0;
}
""",
}
