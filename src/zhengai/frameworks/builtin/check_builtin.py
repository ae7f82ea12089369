#!/usr/bin/env python3
"""Check the built-in diagnosis tables (诊断项目表) in this directory.

Standalone, standard library only:  python3 check_builtin.py

Validates wuhan-software.json and beijing.json against the builtin schema
(required keys, numbering consistent with nesting, unique numbers,
applicability in {"", "*", "**"}, non-empty names, task/department shape,
report template) and prints the counts found per level next to the counts the
table itself declares. A declared count that differs from the rows found is
reported, not treated as an error (the Beijing table declares 37 points and
holds 38). Exit status 1 if any schema error is found.
"""
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FILES = ['wuhan-software.json', 'beijing.json']

TOP_KEYS = ['code', 'name', 'issuer', 'source', 'version', 'text_label', 'declared',
            'declared_text', 'applicability_note', 'notes', 'projects', 'report_template']
EXTRA_KEYS = {'wuhan-software': ['element_sheet_columns']}
PROJECT_KEYS = ['number', 'name', 'elements']
ELEMENT_KEYS = ['number', 'name', 'alt_names', 'points']
POINT_KEYS = ['number', 'name', 'requirement', 'indicators', 'state_tables', 'applicability', 'tasks']
TASK_KEYS = ['number', 'content', 'lead', 'departments']
LEVELS = ['projects', 'elements', 'points', 'tasks']
APPLICABILITY = {'', '*', '**'}
DEPT_BASIS = {'cell', 'carried', 'aligned', 'shared', 'shifted', 'none'}


class Checker:
    def __init__(self, fname):
        self.fname = fname
        self.errors = []

    def err(self, where, msg):
        self.errors.append('%s: %s: %s' % (self.fname, where, msg))

    def need(self, obj, keys, where):
        if not isinstance(obj, dict):
            self.err(where, 'expected an object, got %s' % type(obj).__name__)
            return False
        ok = True
        for k in keys:
            if k not in obj:
                self.err(where, 'missing key %r' % k)
                ok = False
        return ok

    def nonempty_str(self, v, where, what):
        if not isinstance(v, str) or not v.strip():
            self.err(where, '%s must be a non-empty string' % what)

    def is_str(self, v, where, what):
        if not isinstance(v, str):
            self.err(where, '%s must be a string' % what)

    def str_list(self, v, where, what, nonempty_items=True):
        if not isinstance(v, list) or not all(isinstance(x, str) and (x.strip() or not nonempty_items) for x in v):
            self.err(where, '%s must be a list of non-empty strings' % what)
            return False
        return True

    def child_number(self, parent, number, index, where):
        """number must be parent + '.' + (index+1); top level: str(index+1)"""
        want = str(index + 1) if parent is None else '%s.%d' % (parent, index + 1)
        if number != want:
            self.err(where, 'number %r does not follow nesting/order (expected %r)' % (number, want))

    # ------------------------------------------------------------------
    def check(self, doc):
        counts = dict.fromkeys(LEVELS, 0)
        if not self.need(doc, TOP_KEYS, 'top'):
            return counts
        code = doc['code']
        self.need(doc, EXTRA_KEYS.get(code, []), 'top')
        expected_code = os.path.splitext(self.fname)[0]
        if code != expected_code:
            self.err('top', 'code %r does not match file name %r' % (code, expected_code))
        for k in ['code', 'name', 'issuer', 'source', 'version', 'text_label', 'declared_text']:
            self.nonempty_str(doc[k], 'top', k)
        self.is_str(doc['applicability_note'], 'top', 'applicability_note')
        self.str_list(doc['notes'], 'top', 'notes')

        declared = doc['declared']
        if not isinstance(declared, dict) or not declared:
            self.err('top', 'declared must be a non-empty object')
        else:
            for k, v in declared.items():
                if k not in LEVELS:
                    self.err('declared', 'unknown level %r' % k)
                if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
                    self.err('declared', '%s must be a positive integer' % k)
                elif str(v) not in doc['declared_text']:
                    self.err('declared', '%s=%d does not occur in declared_text' % (k, v))

        seen = {lvl: set() for lvl in LEVELS}
        task_numbers = []
        task_styles = set()
        projects = doc['projects']
        if not isinstance(projects, list) or not projects:
            self.err('top', 'projects must be a non-empty list')
            return counts
        for pi, p in enumerate(projects):
            pw = 'project[%d]' % pi
            if not self.need(p, PROJECT_KEYS, pw):
                continue
            pw = 'project %s' % p['number']
            self.nonempty_str(p['name'], pw, 'name')
            self.child_number(None, p['number'], pi, pw)
            self.unique(seen['projects'], p['number'], pw)
            if 'alt_names' in p:
                self.str_list(p['alt_names'], pw, 'alt_names')
            counts['projects'] += 1
            if not isinstance(p['elements'], list) or not p['elements']:
                self.err(pw, 'elements must be a non-empty list')
                continue
            for ei, e in enumerate(p['elements']):
                ew = '%s element[%d]' % (pw, ei)
                if not self.need(e, ELEMENT_KEYS, ew):
                    continue
                ew = 'element %s' % e['number']
                self.nonempty_str(e['name'], ew, 'name')
                self.child_number(p['number'], e['number'], ei, ew)
                self.unique(seen['elements'], e['number'], ew)
                self.str_list(e['alt_names'], ew, 'alt_names')
                if e['name'] in e['alt_names']:
                    self.err(ew, 'alt_names repeats the name')
                counts['elements'] += 1
                if not isinstance(e['points'], list) or not e['points']:
                    self.err(ew, 'points must be a non-empty list')
                    continue
                for qi, q in enumerate(e['points']):
                    qw = '%s point[%d]' % (ew, qi)
                    if not self.need(q, POINT_KEYS, qw):
                        continue
                    qw = 'point %s' % q['number']
                    self.nonempty_str(q['name'], qw, 'name')
                    if q['name'].startswith('*'):
                        self.err(qw, 'applicability mark left in the name')
                    self.child_number(e['number'], q['number'], qi, qw)
                    self.unique(seen['points'], q['number'], qw)
                    for k in ['requirement', 'indicators', 'state_tables']:
                        self.is_str(q[k], qw, k)
                    if q['applicability'] not in APPLICABILITY:
                        self.err(qw, 'applicability %r not in {"", "*", "**"}' % q['applicability'])
                    counts['points'] += 1
                    if not isinstance(q['tasks'], list):
                        self.err(qw, 'tasks must be a list')
                        continue
                    for ti, t in enumerate(q['tasks']):
                        tw = '%s task[%d]' % (qw, ti)
                        if not self.need(t, TASK_KEYS, tw):
                            continue
                        tw = '%s task %s' % (qw, t['number'])
                        self.nonempty_str(t['content'], tw, 'content')
                        self.is_str(t['lead'], tw, 'lead')
                        deps = t['departments']
                        if self.str_list(deps, tw, 'departments'):
                            if deps and t['lead'] != deps[0]:
                                self.err(tw, 'lead must be the first department')
                            if not deps and t['lead']:
                                self.err(tw, 'lead given without departments')
                            if len(set(deps)) != len(deps):
                                self.err(tw, 'duplicate department')
                        if 'departments_basis' in t:
                            if t['departments_basis'] not in DEPT_BASIS:
                                self.err(tw, 'unknown departments_basis %r' % t['departments_basis'])
                            elif (t['departments_basis'] == 'none') != (not deps):
                                self.err(tw, "departments_basis 'none' iff no departments")
                        nested = '%s.%d' % (q['number'], ti + 1)
                        if t['number'] == nested:
                            task_styles.add('nested')
                        elif re.fullmatch(r'[1-9]\d*', str(t['number'])):
                            task_styles.add('seed')
                        else:
                            self.err(tw, 'task number %r is neither %r nor a seed number' % (t['number'], nested))
                        self.unique(seen['tasks'], t['number'], tw)
                        task_numbers.append(t['number'])
                        counts['tasks'] += 1
        if len(task_styles) > 1:
            self.err('tasks', 'task numbering mixes nested and seed numbers')
        if task_styles == {'seed'}:
            want = [str(i) for i in range(1, len(task_numbers) + 1)]
            if task_numbers != want:
                self.err('tasks', 'seed task numbers are not 1..%d in table order' % len(task_numbers))
        self.check_report(doc, seen['elements'], seen['points'])
        return counts

    def unique(self, seen, number, where):
        if number in seen:
            self.err(where, 'duplicate number %r' % number)
        seen.add(number)

    def check_report(self, doc, table_elements, table_points):
        rt = doc['report_template']
        w = 'report_template'
        if not self.need(rt, ['title', 'projects', 'rules'], w):
            return
        self.nonempty_str(rt['title'], w, 'title')
        self.str_list(rt['rules'], w, 'rules')
        if not rt['rules']:
            self.err(w, 'rules is empty')
        if not isinstance(rt['projects'], list):
            self.err(w, 'projects must be a list')
            return
        covered = set()
        for pi, p in enumerate(rt['projects']):
            pw = '%s project[%d]' % (w, pi)
            if not self.need(p, ['number', 'name', 'elements'], pw):
                continue
            self.nonempty_str(p['name'], pw, 'name')
            self.child_number(None, p['number'], pi, pw)
            for ei, e in enumerate(p['elements']):
                ew = '%s element[%d]' % (pw, ei)
                if not self.need(e, ['number', 'name', 'table_elements'], ew):
                    continue
                self.nonempty_str(e['name'], ew, 'name')
                self.child_number(p['number'], e['number'], ei, ew)
                if self.str_list(e['table_elements'], ew, 'table_elements') and not e['table_elements']:
                    self.err(ew, 'table_elements is empty')
                for te in e['table_elements']:
                    if te not in table_elements:
                        self.err(ew, 'table element %r does not exist' % te)
                    covered.add(te)
                for tp in e.get('table_points', []):
                    if tp not in table_points:
                        self.err(ew, 'table point %r does not exist' % tp)
        if rt['projects'] and covered != table_elements:
            self.err(w, 'table elements not covered by the report: %s' % sorted(table_elements - covered))
        if 'element_sheet_columns' in doc:
            self.str_list(doc['element_sheet_columns'], 'top', 'element_sheet_columns')


def main():
    all_errors = []
    for fname in FILES:
        path = os.path.join(HERE, fname)
        try:
            with open(path, encoding='utf-8') as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            all_errors.append('%s: cannot load: %s' % (fname, e))
            continue
        c = Checker(fname)
        counts = c.check(doc)
        all_errors += c.errors
        print('%s — %s' % (fname, doc.get('name', '?')))
        declared = doc.get('declared', {}) if isinstance(doc.get('declared'), dict) else {}
        print('  %-9s %6s %9s' % ('level', 'found', 'declared'))
        for lvl in LEVELS:
            d = declared.get(lvl)
            flag = ''
            if d is not None and d != counts[lvl]:
                flag = '  <- differs from declared'
            print('  %-9s %6d %9s%s' % (lvl, counts[lvl], '-' if d is None else d, flag))
        rt = doc.get('report_template') or {}
        rp = rt.get('projects') or []
        if rp:
            print('  report template: %d projects, %d elements, %d rules' % (
                len(rp), sum(len(p.get('elements', [])) for p in rp), len(rt.get('rules', []))))
        else:
            print('  report template: follows the table, %d rules' % len(rt.get('rules', [])))
        marks = {}
        basis = {}
        for p in doc.get('projects', []):
            for e in p.get('elements', []):
                for q in e.get('points', []):
                    if isinstance(q, dict) and q.get('applicability'):
                        marks[q['applicability']] = marks.get(q['applicability'], 0) + 1
                    for t in (q.get('tasks') or []) if isinstance(q, dict) else []:
                        if isinstance(t, dict) and 'departments_basis' in t:
                            basis[t['departments_basis']] = basis.get(t['departments_basis'], 0) + 1
        if marks:
            print('  applicability marks: ' + ', '.join('%s %d' % kv for kv in sorted(marks.items())))
        if basis:
            print('  task departments by basis: ' + ', '.join('%s %d' % kv for kv in sorted(basis.items())))
        print('  schema: %s' % ('OK' if not c.errors else '%d error(s)' % len(c.errors)))
        print()
    if all_errors:
        print('ERRORS:')
        for e in all_errors:
            print('  ' + e)
        return 1
    print('all checks passed')
    return 0


if __name__ == '__main__':
    sys.exit(main())
