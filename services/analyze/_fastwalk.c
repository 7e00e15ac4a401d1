/* The metrics walk of services.analyze.domain (_walk) in C, over a py-tree-sitter Tree.

   A line-for-line port of domain._walk: the pure-Python walk is the reference, this one must give
   identical results (tests/services/analyze/test_walk_equivalence.py, and a self-check at first use
   per language in domain._native_ok). Visiting ~2 million nodes from Python costs more than parsing
   them; here only functions, classes and the rare recursive-call candidates call back into Python
   (naming.py names them as before).

   Built by scripts/build_fastwalk.py against the tree-sitter core sources of the same py-tree-sitter
   release (0.26.1): a py-tree-sitter Tree holds its TSTree* right after PyObject_HEAD, a Node its
   TSNode, then `children` and `tree` (tree_sitter/binding/types.h). The module checks the type names
   and sizes before use. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#include "tree_sitter/api.h"

typedef struct {
    PyObject_HEAD
    TSTree *tree;
    PyObject *source;
    PyObject *language;
} TreeLayout;

typedef struct {
    PyObject_HEAD
    TSNode node;
    PyObject *children;
    PyObject *tree;
} NodeLayout;

/* Roles: the values of domain._DEC.._WRAP and _C_IF.._C_LIT. */
enum { DEC = 1, NEST, NEST_DEC, IF, FUNC, CLASS, SCOPE, COMMENT, DOC, BOOL, ARM, WRAP };
enum { C_IF = 1, C_ELIF, C_ELSE, C_STRUCT, C_LAMBDA, C_GOTO, C_JUMP, C_CALL, C_LIT };
/* Kind flags (domain._native_tables). */
enum {
    F_BOOL_PARENT = 1, F_BOOL_ID = 2, F_ELSE_ID = 4, F_DOC_PARENT = 8, F_COG_IF = 16,
    F_ELSE_WRAPPER = 32, F_COG_ELSE_WRAPPER = 64, F_JUMP_LABEL = 128, F_EXPR_STMT = 256
};
enum { X_NEST = 1, X_FUNC, X_SCOPE };
#define KIND_SLOTS 0x10000

typedef struct {
    long cc, depth, maxd, cog, cnest, rec;
    PyObject *name; /* bytes, or NULL at file level (borrowed from the funcs list's tuple) */
    Py_ssize_t first_op, first_od, last_op, last_od;
    Py_ssize_t parent;
} Frame;

typedef struct {
    TSNode node;
    int kind;
    long a, b; /* X_NEST: nesting and cognitive-nesting increments; X_FUNC: the enclosing frame */
} Exit;

typedef struct {
    void *data;
    size_t len, cap, size;
} Vec;

static int vec_push(Vec *v, const void *item) {
    if (v->len == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 64;
        void *data = PyMem_Realloc(v->data, cap * v->size);
        if (data == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        v->data = data;
        v->cap = cap;
    }
    memcpy((char *)v->data + v->len * v->size, item, v->size);
    v->len++;
    return 0;
}
#define TICK()                                                                                           \
    do {                                                                                                 \
        if (!(++steps & 4095)) {                                                                         \
            /* The budget, every so many steps down or up the tree. Calling it (Python code) is also  \
               where the interpreter lets other threads run, as it would during the Python walk: a    \
               worker's health checks must be answered while a large file is walked. */               \
            PyObject *r = PyObject_CallNoArgs(budget);                                                   \
            if (r == NULL) goto done;                                                                    \
            int out = PyObject_IsTrue(r);                                                                \
            Py_DECREF(r);                                                                                \
            if (out < 0) goto done;                                                                      \
            if (out) {                                                                                   \
                result = Py_NewRef(Py_None);                                                             \
                goto done;                                                                               \
            }                                                                                            \
        }                                                                                                \
    } while (0)
#define VEC_AT(v, T, i) (((T *)(v).data)[i])
#define VEC_TOP(v, T) (((T *)(v).data)[(v).len - 1])

typedef struct {
    const uint8_t *roles, *croles;
    const uint16_t *flags;
    const int32_t *opkeys;
    TSFieldId function_field;
    const char *content;
    Py_ssize_t content_len;
    PyTypeObject *node_type;
    PyObject *tree;
} Ctx;

static PyObject *new_node(Ctx *c, TSNode node) {
    NodeLayout *n = PyObject_New(NodeLayout, c->node_type);
    if (n == NULL) return NULL;
    n->node = node;
    n->children = NULL;
    Py_INCREF(c->tree);
    n->tree = c->tree;
    return (PyObject *)n;
}

static int same_bool_run(Ctx *c, TSNode parent, uint16_t op_kind) {
    if (!(c->flags[ts_node_symbol(parent)] & F_BOOL_PARENT)) return 0;
    uint32_t n = ts_node_child_count(parent);
    for (uint32_t i = 0; i < n; i++) {
        uint16_t k = ts_node_symbol(ts_node_child(parent, i));
        if (c->flags[k] & F_BOOL_ID) return c->opkeys[k] == c->opkeys[op_kind];
    }
    return 0;
}

static int is_else_of_if(Ctx *c, TSNode *anc, size_t n) {
    if (!n) return 0;
    TSNode owner = anc[n - 1];
    if (c->flags[ts_node_symbol(owner)] & F_COG_ELSE_WRAPPER) {
        if (n < 2) return 0;
        owner = anc[n - 2];
    }
    return (c->flags[ts_node_symbol(owner)] & F_COG_IF) != 0;
}

static int is_if_branch(Ctx *c, TSNode branch) {
    if ((c->flags[ts_node_symbol(branch)] & F_ELSE_WRAPPER) && ts_node_named_child_count(branch) == 1)
        branch = ts_node_named_child(branch, 0);
    return (c->flags[ts_node_symbol(branch)] & F_COG_IF) != 0;
}

static int has_label(Ctx *c, TSNode node) {
    if (ts_node_child_count(node) > 0) {
        TSNode first = ts_node_child(node, 0);
        if (strncmp(ts_node_type(first), "return", 6) == 0) return 0;
    }
    uint32_t n = ts_node_named_child_count(node);
    for (uint32_t i = 0; i < n; i++)
        if (c->flags[ts_node_symbol(ts_node_named_child(node, i))] & F_JUMP_LABEL) return 1;
    return 0;
}

static int is_default_arm(Ctx *c, TSNode node) {
    if (ts_node_child_count(node) > 0) {
        const char *t = ts_node_type(ts_node_child(node, 0));
        if (strcmp(t, "else") == 0 || strcmp(t, "default") == 0) return 1;
    }
    if (ts_node_named_child_count(node) == 0) return 0;
    TSNode pat = ts_node_named_child(node, 0);
    uint32_t s = ts_node_start_byte(pat), e = ts_node_end_byte(pat);
    return e == s + 1 && c->content[s] == '_';
}

static int contains(const char *hay, size_t n, const char *needle, size_t m) {
    if (m == 0) return 1;
    if (m > n) return 0;
    for (size_t i = 0; i + m <= n; i++)
        if (hay[i] == needle[0] && memcmp(hay + i, needle, m) == 0) return 1;
    return 0;
}

/* Whether a call calls the frame's function: 0/1, -1 on error. The usual case (the name is not in
   the callee's text) is decided here; the rest goes to domain._calls_itself. */
static int calls_itself(Ctx *c, TSNode call, PyObject *name, PyObject *cb) {
    if (c->function_field) {
        TSNode callee = ts_node_child_by_field_id(call, c->function_field);
        if (!ts_node_is_null(callee)) {
            uint32_t s = ts_node_start_byte(callee), e = ts_node_end_byte(callee);
            if (!contains(c->content + s, e - s, PyBytes_AS_STRING(name), (size_t)PyBytes_GET_SIZE(name)))
                return 0;
        }
    }
    PyObject *node = new_node(c, call);
    if (node == NULL) return -1;
    PyObject *r = PyObject_CallFunctionObjArgs(cb, node, name, NULL);
    Py_DECREF(node);
    if (r == NULL) return -1;
    int truth = PyObject_IsTrue(r);
    Py_DECREF(r);
    return truth;
}

static int add_token(Ctx *c, PyObject *kinds, PyObject *starts, PyObject *operators, PyObject *operands,
                     uint16_t kid, uint32_t start, uint32_t end) {
    PyObject *k = PyLong_FromLong(kid);
    PyObject *s = PyLong_FromUnsignedLong(start);
    if (k == NULL || s == NULL || PyList_Append(kinds, k) || PyList_Append(starts, s)) {
        Py_XDECREF(k);
        Py_XDECREF(s);
        return -1;
    }
    Py_DECREF(k);
    Py_DECREF(s);
    int32_t key = c->opkeys[kid];
    PyObject *item = key < 0 ? PyBytes_FromStringAndSize(c->content + start, (Py_ssize_t)end - start)
                             : PyLong_FromLong(key);
    if (item == NULL) return -1;
    int rc = PyList_Append(key < 0 ? operands : operators, item);
    Py_DECREF(item);
    return rc;
}

/* walk(tree, content, roles, croles, flags, opkeys, function_field, node_type,
        enter_function, enter_class, leave_scope, calls_itself, budget)
   -> (frames, class_count, comments, kinds, starts, operators, operands), or None when the budget
   ran out. enter_function(node, ancestors) returns None or the function name as bytes (it records
   the function itself); frames[i] is (cc, max depth, cognitive, first, last, parent) of the i-th
   function entered. */
static PyObject *walk(PyObject *self, PyObject *args) {
    PyObject *tree, *content, *node_type, *enter_function, *enter_class, *leave_scope, *calls_cb, *budget;
    Py_buffer roles, croles, flags, opkeys;
    int function_field;
    if (!PyArg_ParseTuple(args, "OSy*y*y*y*iOOOOOO", &tree, &content, &roles, &croles, &flags, &opkeys,
                          &function_field, &node_type, &enter_function, &enter_class, &leave_scope, &calls_cb,
                          &budget))
        return NULL;
    PyObject *result = NULL;
    Vec anc = {NULL, 0, 0, sizeof(TSNode)}, exits = {NULL, 0, 0, sizeof(Exit)}, frames = {NULL, 0, 0, sizeof(Frame)};
    PyObject *comments = PyList_New(0), *kinds = PyList_New(0), *starts = PyList_New(0);
    PyObject *operators = PyList_New(0), *operands = PyList_New(0), *names = PyList_New(0);
    TSTreeCursor cur;
    int have_cursor = 0;
    if (!comments || !kinds || !starts || !operators || !operands || !names) goto done;
    if (strcmp(Py_TYPE(tree)->tp_name, "tree_sitter.Tree") != 0 ||
        Py_TYPE(tree)->tp_basicsize != (Py_ssize_t)sizeof(TreeLayout) || !PyType_Check(node_type) ||
        strcmp(((PyTypeObject *)node_type)->tp_name, "tree_sitter.Node") != 0 ||
        ((PyTypeObject *)node_type)->tp_basicsize != (Py_ssize_t)sizeof(NodeLayout) ||
        roles.len != KIND_SLOTS || croles.len != KIND_SLOTS || flags.len != 2 * KIND_SLOTS ||
        opkeys.len != 4 * KIND_SLOTS) {
        PyErr_SetString(PyExc_TypeError, "_fastwalk.walk: unexpected argument types or table sizes");
        goto done;
    }
    Ctx c = {roles.buf, croles.buf, flags.buf, opkeys.buf, (TSFieldId)function_field,
             PyBytes_AS_STRING(content), PyBytes_GET_SIZE(content), (PyTypeObject *)node_type, tree};
    Frame file = {1, 0, 0, 0, 0, 0, NULL, 0, 0, 0, 0, -1};
    if (vec_push(&frames, &file)) goto done;
    Py_ssize_t frame = 0; /* index in frames */
    long class_count = 0;
    TSNode top = {{0}}, prev = {{0}}, else_body = {{0}};
    int has_top = 0, has_prev = 0, has_else_body = 0, after_else = 0;
    uint32_t lit_end = 0;
    unsigned long steps = 0;

    cur = ts_tree_cursor_new(ts_tree_root_node(((TreeLayout *)tree)->tree));
    have_cursor = 1;
    for (;;) {
        TICK();
        TSNode node = ts_tree_cursor_current_node(&cur);
        uint16_t kid = ts_node_symbol(node);
        int role = c.roles[kid], crole = c.croles[kid];
        int descend = 1;
        if (after_else || role || crole) {
            Frame *f = &VEC_AT(frames, Frame, frame);
            if (after_else && role != COMMENT) {
                after_else = 0;
                if (!is_if_branch(&c, node)) f->cog++;
            }
            if (role || crole) {
                long nest = -1, cnest = 0;
                TSNode *a = (TSNode *)anc.data;
                size_t na = anc.len;
                switch (role) {
                case 0:
                    break;
                case WRAP:
                    if (has_prev && (c.flags[ts_node_symbol(prev)] & F_ELSE_ID)) {
                        else_body = node;
                        has_else_body = 1;
                    }
                    break;
                case DEC:
                    f->cc++;
                    break;
                case BOOL:
                    if (na && (c.flags[ts_node_symbol(a[na - 1])] & F_BOOL_PARENT)) {
                        f->cc++;
                        if (na < 2 || !same_bool_run(&c, a[na - 2], kid)) f->cog++;
                    }
                    break;
                case IF:
                case NEST_DEC:
                case NEST:
                    nest = 1;
                    if (role == IF) {
                        f->cc++;
                        if (has_prev) {
                            if (c.flags[ts_node_symbol(prev)] & F_ELSE_ID) nest = 0;
                        } else if (na && has_else_body && ts_node_eq(a[na - 1], else_body)) {
                            nest = 0;
                        }
                    } else if (role == NEST_DEC) {
                        f->cc++;
                    }
                    if (nest) {
                        long d = ++f->depth;
                        if (d > f->maxd) f->maxd = d;
                    }
                    break;
                case COMMENT:
                case DOC: {
                    if (role == DOC) {
                        if (!na) break;
                        TSNode p = a[na - 1];
                        uint16_t pk = ts_node_symbol(p);
                        if (!(c.flags[pk] & F_DOC_PARENT) ||
                            ((c.flags[pk] & F_EXPR_STMT) && ts_node_named_child_count(p) != 1))
                            break;
                        crole = 0;
                    }
                    PyObject *r = Py_BuildValue("(II)", ts_node_start_byte(node), ts_node_end_byte(node));
                    if (r == NULL || PyList_Append(comments, r)) {
                        Py_XDECREF(r);
                        goto done;
                    }
                    Py_DECREF(r);
                    descend = 0;
                    break;
                }
                case ARM:
                    if (!is_default_arm(&c, node)) f->cc++;
                    break;
                case FUNC: {
                    PyObject *pynode = new_node(&c, node);
                    PyObject *ancs = PyList_New(0);
                    for (size_t i = na >= 2 ? na - 2 : 0; ancs && pynode && i < na; i++) {
                        PyObject *an = new_node(&c, a[i]);
                        if (an == NULL || PyList_Append(ancs, an)) {
                            Py_XDECREF(an);
                            Py_CLEAR(ancs);
                            break;
                        }
                        Py_DECREF(an);
                    }
                    PyObject *name = (pynode && ancs) ? PyObject_CallFunctionObjArgs(enter_function, pynode, ancs, NULL)
                                                      : NULL;
                    Py_XDECREF(pynode);
                    Py_XDECREF(ancs);
                    if (name == NULL) goto done;
                    if (name == Py_None) {
                        Py_DECREF(name);
                        break;
                    }
                    if (!PyBytes_Check(name) || PyList_Append(names, name)) {
                        if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "enter_function must return bytes");
                        Py_DECREF(name);
                        goto done;
                    }
                    Py_DECREF(name); /* names keeps it alive */
                    Frame nf = {1, 0, 0, 0, 0, 0, name, (Py_ssize_t)PyList_GET_SIZE(operators),
                                (Py_ssize_t)PyList_GET_SIZE(operands), 0, 0, frame};
                    if (vec_push(&frames, &nf)) goto done;
                    Exit x = {node, X_FUNC, (long)frame, 0};
                    if (vec_push(&exits, &x)) goto done;
                    top = node;
                    has_top = 1;
                    frame = (Py_ssize_t)frames.len - 1;
                    f = &VEC_AT(frames, Frame, frame);
                    break;
                }
                default: { /* CLASS, SCOPE */
                    PyObject *pynode = new_node(&c, node);
                    if (pynode == NULL) goto done;
                    PyObject *r = PyObject_CallFunctionObjArgs(enter_class, pynode, role == CLASS ? Py_True : Py_False,
                                                               NULL);
                    Py_DECREF(pynode);
                    if (r == NULL) goto done;
                    int entered = PyObject_IsTrue(r);
                    Py_DECREF(r);
                    if (entered < 0) goto done;
                    if (entered) {
                        if (role == CLASS) class_count++;
                        Exit x = {node, X_SCOPE, 0, 0};
                        if (vec_push(&exits, &x)) goto done;
                        top = node;
                        has_top = 1;
                    }
                }
                }
                switch (crole) {
                case 0:
                    break;
                case C_LIT: {
                    uint32_t start = ts_node_start_byte(node);
                    if (start >= lit_end) {
                        lit_end = ts_node_end_byte(node);
                        if (add_token(&c, kinds, starts, operators, operands, kid, start, lit_end)) goto done;
                    }
                    if (ts_node_descendant_count(node) == ts_node_child_count(node) + 1) descend = 0;
                    break;
                }
                case C_CALL:
                    if (f->name != NULL && !f->rec) {
                        int r = calls_itself(&c, node, f->name, calls_cb);
                        if (r < 0) goto done;
                        if (r) {
                            f->rec = 1;
                            f->cog++;
                        }
                    }
                    break;
                case C_STRUCT:
                    f->cog += 1 + f->cnest;
                    cnest = 1;
                    break;
                case C_IF:
                    if (nest == 0) {
                        f->cog++;
                    } else {
                        f->cog += 1 + f->cnest;
                        cnest = 1;
                    }
                    break;
                case C_ELIF:
                case C_GOTO:
                    f->cog++;
                    break;
                case C_ELSE:
                    after_else = is_else_of_if(&c, (TSNode *)anc.data, anc.len);
                    break;
                case C_LAMBDA:
                    cnest = 1;
                    break;
                case C_JUMP:
                    if (has_label(&c, node)) f->cog++;
                    break;
                }
                if (cnest) f->cnest++;
                if (nest >= 0 || cnest) {
                    Exit x = {node, X_NEST, nest > 0 ? nest : 0, cnest};
                    if (vec_push(&exits, &x)) goto done;
                    top = node;
                    has_top = 1;
                }
            }
        }
        if (descend) {
            if (ts_tree_cursor_goto_first_child(&cur)) {
                if (vec_push(&anc, &node)) goto done;
                has_prev = 0;
                continue;
            }
            uint32_t start = ts_node_start_byte(node);
            if (start >= lit_end &&
                add_token(&c, kinds, starts, operators, operands, kid, start, ts_node_end_byte(node)))
                goto done;
        }
        /* `node` is done: a leaf, or a subtree not entered. */
        for (;;) {
            TICK();
            while (has_top && ts_node_eq(node, top)) {
                Exit x = VEC_TOP(exits, Exit);
                exits.len--;
                Frame *f = &VEC_AT(frames, Frame, frame);
                if (x.kind == X_NEST) {
                    f->depth -= x.a;
                    f->cnest -= x.b;
                } else {
                    PyObject *r = PyObject_CallNoArgs(leave_scope);
                    if (r == NULL) goto done;
                    Py_DECREF(r);
                    if (x.kind == X_FUNC) {
                        f->last_op = PyList_GET_SIZE(operators);
                        f->last_od = PyList_GET_SIZE(operands);
                        frame = (Py_ssize_t)x.a;
                    }
                }
                has_top = exits.len > 0;
                if (has_top) top = VEC_TOP(exits, Exit).node;
            }
            if (ts_tree_cursor_goto_next_sibling(&cur)) {
                prev = node;
                has_prev = 1;
                break;
            }
            if (!ts_tree_cursor_goto_parent(&cur)) {
                PyObject *out = PyList_New(0);
                if (out == NULL) goto done;
                for (size_t i = 1; i < frames.len; i++) {
                    Frame *f = &VEC_AT(frames, Frame, i);
                    PyObject *t = Py_BuildValue("(lll(nn)(nn)n)", f->cc, f->maxd, f->cog, f->first_op, f->first_od,
                                                f->last_op, f->last_od, f->parent - 1);
                    if (t == NULL || PyList_Append(out, t)) {
                        Py_XDECREF(t);
                        Py_DECREF(out);
                        goto done;
                    }
                    Py_DECREF(t);
                }
                result = Py_BuildValue("(NlOOOOO)", out, class_count, comments, kinds, starts, operators, operands);
                goto done;
            }
            node = VEC_TOP(anc, TSNode);
            anc.len--;
        }
    }
done:
    if (have_cursor) ts_tree_cursor_delete(&cur);
    PyMem_Free(anc.data);
    PyMem_Free(exits.data);
    PyMem_Free(frames.data);
    Py_XDECREF(comments);
    Py_XDECREF(kinds);
    Py_XDECREF(starts);
    Py_XDECREF(operators);
    Py_XDECREF(operands);
    Py_XDECREF(names);
    PyBuffer_Release(&roles);
    PyBuffer_Release(&croles);
    PyBuffer_Release(&flags);
    PyBuffer_Release(&opkeys);
    return result;
}

static PyMethodDef methods[] = {
    {"walk", walk, METH_VARARGS, "The metrics walk of services.analyze.domain in C (see domain._native_walk)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_fastwalk", NULL, -1, methods};

#ifndef FASTWALK_SOURCE_SHA256
#define FASTWALK_SOURCE_SHA256 ""
#endif

PyMODINIT_FUNC PyInit__fastwalk(void) {
    PyObject *m = PyModule_Create(&module);
    /* The digest of this file when built: domain.py ignores a build older than its source. */
    if (m != NULL && PyModule_AddStringConstant(m, "SOURCE_SHA256", FASTWALK_SOURCE_SHA256) < 0) Py_CLEAR(m);
    return m;
}
