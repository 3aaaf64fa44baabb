"""SBML-qual (SBML Level 3 with the ``qual`` package) read and write, through python-libsbml.

Each node is a ``qual:qualitativeSpecies`` with ``maxLevel`` 1.  A regulated node has one
``qual:transition``: its regulators are ``qual:input`` elements (sign from the rule: positive,
negative or dual), the node is the ``qual:output`` (``assignmentLevel``), a function term with
``resultLevel`` 1 holds the rule as MathML (``X == 1`` for each regulator) and the default term
is 0.  Input nodes (and nodes in ``fixed``) are constant species whose ``initialLevel`` is their
value.

What SBML-qual has no field for travels as annotations, so that a model read back is the model
written: the kind in a ``her2resist:node`` element, the description and notes as XHTML notes,
the genes as ``bqbiol:is`` HGNC-symbol URIs and the references as ``bqbiol:isDescribedBy``
PubMed or DOI URIs (on the species for inputs, on each ``qual:input`` for regulations).

Files from other tools read as bnet files do: a species without a transition, or whose rule is a
constant or the node itself, is an input (kind ``input``, default its ``initialLevel`` or 0);
any other node is ``signalling``.

Examples
--------
>>> from her2resist.model.formats import read_bnet_text
>>> net = read_bnet_text("A, B & !C\\nB, 1\\nC, C")
>>> text = write_sbml(net)
>>> back = read_sbml_string(text)
>>> back.nodes["A"].rule, back.defaults()
('B & !C', {'B': 1, 'C': 0})
"""

from __future__ import annotations

import html
import re
import warnings
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from her2resist._optional import require
from her2resist.exceptions import ModelError, ModelWarning
from her2resist.model.formats import rename_nodes
from her2resist.model.network import INPUT_KINDS, NODE_KINDS, Network, Node
from her2resist.model.rules import (
    IDENTIFIER,
    And,
    Const,
    Expr,
    Not,
    Or,
    Var,
    const,
    format_rule,
    signs,
    variables,
)

if TYPE_CHECKING:
    import libsbml
else:  # every function here needs it, and only SBML files import this module
    libsbml = require("libsbml", "sbml", "Reading and writing SBML-qual files")

NAMESPACE = "https://github.com/her2resist/her2resist/sbml-qual"
_PREFIX = "her2resist"
_XHTML = "http://www.w3.org/1999/xhtml"
#: libsbml's error for a qualitativeSpecies missing a required attribute (qual-20303).
_SPECIES_ATTRIBUTES = 3020303
_GENERATED_ID = re.compile(r"[A-Za-z]*_?\d+")
_SID = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_GENE_URI = "http://identifiers.org/hgnc.symbol/"
_REF_URIS = {"PMID:": "http://identifiers.org/pubmed/", "DOI:": "http://identifiers.org/doi/"}
_RELATIONS = {
    libsbml.AST_RELATIONAL_EQ: lambda a, b: a == b,
    libsbml.AST_RELATIONAL_NEQ: lambda a, b: a != b,
    libsbml.AST_RELATIONAL_GEQ: lambda a, b: a >= b,
    libsbml.AST_RELATIONAL_GT: lambda a, b: a > b,
    libsbml.AST_RELATIONAL_LEQ: lambda a, b: a <= b,
    libsbml.AST_RELATIONAL_LT: lambda a, b: a < b,
}


# ------------------------------------------------------------------------------------ writing


def write_sbml(network: Network, fixed: Mapping[str, int] | None = None) -> str:
    """The network as an SBML-qual document (text); ``fixed`` nodes become constants.

    Parameters
    ----------
    network
        The network to write.
    fixed
        Nodes to hold at 0 or 1: written as constant species with that ``initialLevel`` and
        no transition.

    Examples
    --------
    >>> from her2resist.model import load_model
    >>> text = write_sbml(load_model(), {"trastuzumab": 1})
    >>> "qual:transition" in text and 'qual:id="trastuzumab"' in text
    True
    """
    fixed = {name: int(bool(value)) for name, value in (fixed or {}).items()}
    network.check_nodes(fixed, "node")
    for name in network.nodes:
        if not _SID.fullmatch(name):
            raise ModelError(
                network.source or network.name,
                f"node {name!r} is not a valid SBML identifier (letters, digits and _, "
                "not starting with a digit)", field=name,
            )
    doc = libsbml.SBMLDocument(libsbml.SBMLNamespaces(3, 1, "qual", 1))
    doc.setPackageRequired("qual", True)
    model = doc.createModel()
    model.setId(_sid(network.name))
    model.setName(network.name)
    model.setMetaId("model_meta")
    _add_annotation(model, f'<{_PREFIX}:model xmlns:{_PREFIX}="{NAMESPACE}" '
                           f'version="{html.escape(network.version)}"/>')
    compartment = model.createCompartment()
    compartment.setId("cell")
    compartment.setConstant(True)
    qual = model.getPlugin("qual")
    for name, node in network.nodes.items():
        _write_species(qual, node, fixed.get(name))
    for name, node in network.nodes.items():
        if not node.is_input and name not in fixed:
            _write_transition(qual, node)
    return str(libsbml.writeSBMLToString(doc))


def _sid(text: str) -> str:
    sid = re.sub(r"[^A-Za-z0-9_]", "_", text) or "model"
    return sid if _SID.fullmatch(sid) else f"_{sid}"


def _add_annotation(element: libsbml.SBase, xml: str) -> None:
    if element.appendAnnotation(xml) != libsbml.LIBSBML_OPERATION_SUCCESS:
        raise ValueError(f"libsbml refused the annotation {xml!r}")


def _add_cv_terms(element: libsbml.SBase, qualifier: int, uris: list[str]) -> None:
    if not uris:
        return
    term = libsbml.CVTerm(libsbml.BIOLOGICAL_QUALIFIER)
    term.setBiologicalQualifierType(qualifier)
    for uri in uris:
        term.addResource(uri)
    element.addCVTerm(term)


def _ref_uri(ref: str) -> str:
    for prefix, base in _REF_URIS.items():
        if ref.startswith(prefix):
            return base + ref[len(prefix):]
    return ref


def _write_species(qual: libsbml.QualModelPlugin, node: Node, fixed: int | None) -> None:
    species = qual.createQualitativeSpecies()
    species.setId(node.id)
    species.setMetaId(f"meta_{node.id}")
    species.setName(node.id)
    species.setCompartment("cell")
    species.setMaxLevel(1)
    constant = node.is_input or fixed is not None
    species.setConstant(constant)
    if constant:
        species.setInitialLevel(fixed if fixed is not None else node.default)
    paragraphs = [(cls, text) for cls, text in (("description", node.description),
                                                ("notes", node.notes)) if text]
    if paragraphs:
        body = "".join(f'<p class="{cls}">{html.escape(text)}</p>' for cls, text in paragraphs)
        species.setNotes(f'<body xmlns="{_XHTML}">{body}</body>')
    _add_annotation(species, f'<{_PREFIX}:node xmlns:{_PREFIX}="{NAMESPACE}" kind="{node.kind}"/>')
    _add_cv_terms(species, libsbml.BQB_IS, [_GENE_URI + gene for gene in node.genes])
    refs = [_ref_uri(ref) for ref in node.refs.get("", ())]
    _add_cv_terms(species, libsbml.BQB_IS_DESCRIBED_BY, refs)


def _write_transition(qual: libsbml.QualModelPlugin, node: Node) -> None:
    expr = node.expr
    transition = qual.createTransition()
    transition.setId(f"tr_{node.id}")
    sign_of = {frozenset({True}): libsbml.INPUT_SIGN_POSITIVE,
               frozenset({False}): libsbml.INPUT_SIGN_NEGATIVE}
    for regulator, found in signs(expr).items():
        element = transition.createInput()
        element.setId(f"tr_{node.id}_in_{regulator}")
        element.setMetaId(f"meta_tr_{node.id}_in_{regulator}")
        element.setQualitativeSpecies(regulator)
        element.setTransitionEffect(libsbml.INPUT_TRANSITION_EFFECT_NONE)
        element.setSign(sign_of.get(frozenset(found), libsbml.INPUT_SIGN_DUAL))
        element.setThresholdLevel(1)
        refs = [_ref_uri(ref) for ref in node.refs.get(regulator, ())]
        _add_cv_terms(element, libsbml.BQB_IS_DESCRIBED_BY, refs)
    output = transition.createOutput()
    output.setId(f"tr_{node.id}_out")
    output.setQualitativeSpecies(node.id)
    output.setTransitionEffect(libsbml.OUTPUT_TRANSITION_EFFECT_ASSIGNMENT_LEVEL)
    transition.createDefaultTerm().setResultLevel(0)
    term = transition.createFunctionTerm()
    term.setResultLevel(1)
    math = libsbml.readMathMLFromString(
        f'<math xmlns="http://www.w3.org/1998/Math/MathML">{_mathml(expr)}</math>'
    )
    if math is None or term.setMath(math) != libsbml.LIBSBML_OPERATION_SUCCESS:
        raise ValueError(f"libsbml refused the rule of node {node.id!r}: {node.rule!r}")


def _mathml(expr: Expr) -> str:
    match expr:
        case Const(value):
            return "<true/>" if value else "<false/>"
        case Var(name):
            return f'<apply><eq/><ci>{name}</ci><cn type="integer">1</cn></apply>'
        case Not(arg):
            return f"<apply><not/>{_mathml(arg)}</apply>"
        case And(args) | Or(args):
            inner = "".join(_mathml(sub) for sub in args)
            return f"<apply><{'and' if isinstance(expr, And) else 'or'}/>{inner}</apply>"
    raise TypeError(f"not a rule expression: {expr!r}")


# ------------------------------------------------------------------------------------ reading


def read_sbml(path: str | Path) -> Network:
    """Read an SBML-qual file into a :class:`Network`.

    Raises :class:`~her2resist.exceptions.ModelError` naming the file, the line, and the
    element or node at fault (multi-valued species, unknown species, unsupported MathML).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from her2resist.model.formats import read_bnet_text
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "m.sbml").write_text(write_sbml(read_bnet_text("A, !B\\nB, B")))
    >>> read_sbml(folder / "m.sbml").nodes["A"].rule
    '!B'
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelError(path, f"cannot read the SBML file: {exc}") from None
    return read_sbml_string(text, source=str(path))


def read_sbml_string(text: str, *, source: str = "<sbml>") -> Network:
    """Read SBML-qual text (see :func:`read_sbml`); ``source`` names it in errors.

    Examples
    --------
    >>> from her2resist.model.formats import read_bnet_text
    >>> read_sbml_string(write_sbml(read_bnet_text("A, A | B\\nB, 0"))).nodes["A"].rule
    'A | B'
    """
    doc = libsbml.readSBMLFromString(text)
    for i in range(doc.getNumErrors()):
        error = doc.getError(i)
        # A species without its required compartment (biodivine's files): warned below.
        if (error.getSeverity() >= libsbml.LIBSBML_SEV_ERROR
                and error.getErrorId() != _SPECIES_ATTRIBUTES):
            raise ModelError(source, f"not valid SBML: {error.getMessage().strip()}",
                             line=error.getLine() or None)
    model = doc.getModel()
    if model is None:
        raise ModelError(source, "the SBML document has no <model>", line=1)
    qual = model.getPlugin("qual")
    if qual is None or qual.getNumQualitativeSpecies() == 0:
        raise ModelError(source, "not an SBML-qual model: no qual:qualitativeSpecies",
                         line=model.getLine() or None)
    species = _read_species(qual, source)
    rules, refs = _read_transitions(qual, species, source)
    nodes = {sid: _make_node(element, rules.get(sid), refs.get(sid, {}))
             for sid, element in species.items()}
    model_info = _own_annotation(model, "model")
    network = Network(nodes=nodes, name=model.getName() or model.getId() or Path(source).stem,
                      version=model_info.get("version", ""), source=source)
    names = _node_names(species)
    return rename_nodes(network, names) if names else network


def _node_names(species: Mapping[str, libsbml.QualitativeSpecies]) -> dict[str, str]:
    """Species id -> its ``name`` as a node id (punctuation as ``_``) where the id is generated
    (``S_1``, as CellCollective and GINsim write them, the gene or protein being the name) or
    the name is a single word; never a name that two species share or that is another's id.
    A name with spaces beside a meaningful id ("Signal A" for ``A``) is a label: the id stays."""
    wanted = {sid: re.sub(r"\W+", "_", element.getName()).strip("_")
              for sid, element in species.items()
              if element.isSetName() and (_GENERATED_ID.fullmatch(sid)
                                          or not re.search(r"\s", element.getName().strip()))}
    counts = Counter(wanted.values())
    return {sid: name for sid, name in wanted.items()
            if name != sid and counts[name] == 1 and name not in species
            and IDENTIFIER.fullmatch(name)}


def _read_species(qual: libsbml.QualModelPlugin, source: str
                  ) -> dict[str, libsbml.QualitativeSpecies]:
    species: dict[str, libsbml.QualitativeSpecies] = {}
    for i in range(qual.getNumQualitativeSpecies()):
        element = qual.getQualitativeSpecies(i)
        sid = element.getId()
        if element.isSetMaxLevel() and element.getMaxLevel() > 1:
            raise ModelError(
                source, f"qualitativeSpecies {sid!r} has maxLevel {element.getMaxLevel()}; only "
                "Boolean models (maxLevel 1) are supported", line=element.getLine(), field=sid,
            )
        if not sid:
            raise ModelError(source, "a qualitativeSpecies has no id", line=element.getLine())
        if sid in species:
            raise ModelError(source, f"qualitativeSpecies {sid!r} is defined twice",
                             line=element.getLine(), field=sid)
        species[sid] = element
    missing = [sid for sid, element in species.items() if not element.isSetCompartment()]
    if missing:
        shown = ", ".join(missing[:5]) + (", ..." if len(missing) > 5 else "")
        warnings.warn(f"{source}: {len(missing)} qualitativeSpecies have no compartment "
                      f"(required by SBML-qual; read anyway): {shown}", ModelWarning,
                      stacklevel=3)
    return species


def _read_transitions(
    qual: libsbml.QualModelPlugin, species: Mapping[str, libsbml.QualitativeSpecies], source: str
) -> tuple[dict[str, Expr], dict[str, dict[str, tuple[str, ...]]]]:
    rules: dict[str, Expr] = {}
    refs: dict[str, dict[str, tuple[str, ...]]] = {}
    for i in range(qual.getNumTransitions()):
        transition = qual.getTransition(i)
        where = f"transition {transition.getId() or i + 1!r}"
        line = transition.getLine() or None
        thresholds, input_refs = _read_inputs(transition, species, source, where)
        expr = _transition_rule(transition, thresholds, species, source, where)
        for j in range(transition.getNumOutputs()):
            output = transition.getOutput(j)
            target = output.getQualitativeSpecies()
            if target not in species:
                raise ModelError(source, f"{where}: output names unknown species {target!r}",
                                 line=line, field=target)
            if output.getTransitionEffect() != libsbml.OUTPUT_TRANSITION_EFFECT_ASSIGNMENT_LEVEL:
                raise ModelError(source, f"{where}: output {target!r} must have transitionEffect"
                                 " 'assignmentLevel'", line=line, field=target)
            if target in rules:
                raise ModelError(source, f"{where}: species {target!r} is the output of two "
                                 "transitions", line=line, field=target)
            rules[target] = expr
            refs[target] = input_refs
    return rules, refs


def _read_inputs(
    transition: libsbml.Transition, species: Mapping[str, object], source: str, where: str
) -> tuple[dict[str, int], dict[str, tuple[str, ...]]]:
    """Threshold levels of the inputs' ids, and references per regulator."""
    thresholds: dict[str, int] = {}
    refs: dict[str, tuple[str, ...]] = {}
    for k in range(transition.getNumInputs()):
        element = transition.getInput(k)
        regulator = element.getQualitativeSpecies()
        if regulator not in species:
            raise ModelError(source, f"{where}: input names unknown species {regulator!r}",
                             line=element.getLine() or None, field=regulator)
        if element.isSetId() and element.isSetThresholdLevel():
            thresholds[element.getId()] = element.getThresholdLevel()
        found = _cv_uris(element, libsbml.BQB_IS_DESCRIBED_BY)
        if found:
            refs[regulator] = tuple(_ref_from_uri(uri) for uri in found)
    return thresholds, refs


def _transition_rule(
    transition: libsbml.Transition, thresholds: Mapping[str, int],
    species: Mapping[str, object], source: str, where: str,
) -> Expr:
    """The Boolean rule: the terms that give 1 (default 0) or none of those that give 0."""
    default = transition.getDefaultTerm()
    if default is None:
        raise ModelError(source, f"{where} has no defaultTerm", line=transition.getLine() or None)
    level = default.getResultLevel()
    terms = []
    for k in range(transition.getNumFunctionTerms()):
        term = transition.getFunctionTerm(k)
        if term.getResultLevel() not in (0, 1):
            raise ModelError(source, f"{where}: resultLevel {term.getResultLevel()} is not 0 or "
                             "1", line=term.getLine() or None)
        if term.getResultLevel() != level and term.getMath() is not None:
            context = (source, f"{where}, functionTerm {k + 1}", term.getLine() or None)
            terms.append(_expr_from_math(term.getMath(), thresholds, species, context))
    if not terms:
        return const(level)
    expr: Expr = terms[0] if len(terms) == 1 else Or(tuple(terms))
    return Not(expr) if level else expr


def _expr_from_math(math: libsbml.ASTNode, thresholds: Mapping[str, int],
                    species: Mapping[str, object], context: tuple[str, str, int | None]) -> Expr:
    kind = math.getType()
    children = [math.getChild(i) for i in range(math.getNumChildren())]
    if kind in (libsbml.AST_CONSTANT_TRUE, libsbml.AST_CONSTANT_FALSE):
        return const(kind == libsbml.AST_CONSTANT_TRUE)
    if kind in (libsbml.AST_LOGICAL_AND, libsbml.AST_LOGICAL_OR, libsbml.AST_LOGICAL_NOT,
                libsbml.AST_LOGICAL_XOR) and children:
        subs = [_expr_from_math(c, thresholds, species, context) for c in children]
        if kind == libsbml.AST_LOGICAL_NOT and len(subs) == 1:
            return Not(subs[0])
        if kind == libsbml.AST_LOGICAL_XOR:
            return _xor(subs)
        if kind != libsbml.AST_LOGICAL_NOT:
            return And(tuple(subs)) if kind == libsbml.AST_LOGICAL_AND else Or(tuple(subs))
    if kind == libsbml.AST_NAME and math.getName() in species:
        return Var(math.getName())
    if kind in _RELATIONS and len(children) == 2:
        return _relation(kind, children, thresholds, species, context)
    source, where, line = context
    formula = libsbml.formulaToL3String(math)
    raise ModelError(source, f"{where}: cannot read {formula!r} as a Boolean rule (accepted: "
                     "and, or, not, xor, true, false, comparisons of a species with a level)",
                     line=line)


def _xor(subs: list[Expr]) -> Expr:
    result = subs[0]
    for sub in subs[1:]:
        result = Or((And((result, Not(sub))), And((Not(result), sub))))
    return result


def _relation(kind: int, children: list[libsbml.ASTNode], thresholds: Mapping[str, int],
              species: Mapping[str, object], context: tuple[str, str, int | None]) -> Expr:
    """A comparison of a Boolean species with a level, as the variable, its negation or a
    constant: the comparison is evaluated at the species' two values."""
    names = [c.getName() if c.getType() == libsbml.AST_NAME else None for c in children]
    variable = [i for i, name in enumerate(names) if name in species]
    levels: list[float | None] = []
    for child, name in zip(children, names, strict=True):
        if name is not None and name in thresholds:
            levels.append(float(thresholds[name]))
        elif child.isNumber():
            levels.append(float(child.getValue()))
        else:
            levels.append(None)
    if len(variable) != 1 or levels[1 - variable[0]] is None:
        source, where, line = context
        raise ModelError(source, f"{where}: cannot read comparison "
                         f"{libsbml.formulaToL3String(children[0])!r} with "
                         f"{libsbml.formulaToL3String(children[1])!r}: one side must be a species "
                         "and the other a level", line=line)
    compare = _RELATIONS[kind]
    at = []
    for value in (0.0, 1.0):
        pair = [value, levels[1 - variable[0]]] if variable[0] == 0 else [levels[0], value]
        at.append(bool(compare(*pair)))
    name = str(names[variable[0]])
    if at[0] == at[1]:
        return const(at[0])
    return Var(name) if at[1] else Not(Var(name))


def _make_node(element: libsbml.QualitativeSpecies, rule: Expr | None,
               refs: Mapping[str, tuple[str, ...]]) -> Node:
    sid = element.getId()
    kind = _own_annotation(element, "node").get("kind", "")
    text = _notes(element)
    genes = tuple(uri.rsplit("/", 1)[-1] for uri in _cv_uris(element, libsbml.BQB_IS)
                  if uri.startswith(_GENE_URI))
    line = element.getLine() or None
    description, notes = text.get("description", ""), text.get("notes", "")
    declared_regulated = kind in NODE_KINDS - INPUT_KINDS
    is_constant = isinstance(rule, Const) or rule == Var(sid)
    if rule is not None and (declared_regulated or not is_constant):
        used = set(variables(rule))
        return Node(id=sid, kind=kind if declared_regulated else "signalling",
                    rule=format_rule(rule), refs={k: v for k, v in refs.items() if k in used},
                    genes=genes, description=description, notes=notes, line=line)
    if isinstance(rule, Const):
        default = int(rule.value)
    else:
        default = int(element.getInitialLevel() > 0) if element.isSetInitialLevel() else 0
    own = tuple(_ref_from_uri(uri) for uri in _cv_uris(element, libsbml.BQB_IS_DESCRIBED_BY))
    return Node(id=sid, kind=kind if kind in INPUT_KINDS else "input", default=default,
                refs={"": own} if own else {}, genes=genes, description=description,
                notes=notes, line=line)


def _own_annotation(element: libsbml.SBase, name: str) -> dict[str, str]:
    annotation = element.getAnnotation()
    if annotation is None:
        return {}
    for i in range(annotation.getNumChildren()):
        child = annotation.getChild(i)
        if child.getURI() == NAMESPACE and child.getName() == name:
            attributes = child.getAttributes()
            return {attributes.getName(k): attributes.getValue(k)
                    for k in range(attributes.getLength())}
    return {}


def _cv_uris(element: libsbml.SBase, qualifier: int) -> list[str]:
    uris: list[str] = []
    for term in element.getCVTerms() or ():
        if (term.getQualifierType() == libsbml.BIOLOGICAL_QUALIFIER
                and term.getBiologicalQualifierType() == qualifier):
            resources = term.getResources()
            uris.extend(resources.getValue(k) for k in range(resources.getLength()))
    return uris


def _ref_from_uri(uri: str) -> str:
    for prefix, base in _REF_URIS.items():
        if uri.startswith(base):
            return prefix + uri[len(base):]
    return uri


def _notes(element: libsbml.SBase) -> dict[str, str]:
    if not element.isSetNotes():
        return {}
    root = ET.fromstring(element.getNotesString())  # libsbml has checked it is well formed
    found: dict[str, str] = {}
    for paragraph in root.iter(f"{{{_XHTML}}}p"):
        key = paragraph.get("class", "description")
        text = " ".join("".join(paragraph.itertext()).split())
        if key in ("description", "notes") and text:
            found[key] = f"{found[key]} {text}" if key in found else text
    if not found:
        found["description"] = " ".join("".join(root.itertext()).split())
    return found
