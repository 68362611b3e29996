import { childrenNamed, parseXml, type XmlElement } from './xml';

/**
 * Checks an EAF document against the structure of the EAF 3.0 schema (mpi.nl/tools/elan/EAFv3.0.xsd): element order
 * under ANNOTATION_DOCUMENT, required attributes, unique IDs (TIME_SLOT_ID and ANNOTATION_ID share the ID space),
 * references that resolve (time slots, linguistic types, parent tiers, referred annotations), and time order.
 * Returns the problems found; an empty list means valid. Well-formedness errors come back as one problem.
 */
export function validateEaf(source: string): string[] {
  let root: XmlElement;
  try {
    root = parseXml(source);
  } catch (error) {
    return [(error as Error).message];
  }
  const problems: string[] = [];
  const need = (e: XmlElement, ...names: string[]) => {
    for (const n of names) if (e.attributes[n] === undefined) problems.push(`<${e.name}> lacks the required attribute ${n}`);
  };
  if (root.name !== 'ANNOTATION_DOCUMENT') return [`the root element is <${root.name}>, not <ANNOTATION_DOCUMENT>`];
  need(root, 'DATE', 'AUTHOR', 'VERSION');
  if (root.attributes.DATE && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/.test(root.attributes.DATE)) {
    problems.push('DATE is not an xsd:dateTime');
  }

  // The schema's sequence: each name may repeat, but never after a later one.
  const order = [
    'LICENSE',
    'HEADER',
    'TIME_ORDER',
    'TIER',
    'LINGUISTIC_TYPE',
    'LOCALE',
    'LANGUAGE',
    'CONSTRAINT',
    'CONTROLLED_VOCABULARY',
    'LEXICON_REF',
    'EXTERNAL_REF',
  ];
  let last = 0;
  for (const child of root.children) {
    const rank = order.indexOf(child.name);
    if (rank < 0) problems.push(`<${child.name}> is not allowed in <ANNOTATION_DOCUMENT>`);
    else if (rank < last) problems.push(`<${child.name}> comes after <${order[last]}>`);
    else last = rank;
  }
  for (const name of ['HEADER', 'TIME_ORDER']) {
    if (childrenNamed(root, name).length !== 1) problems.push(`exactly one <${name}> is required`);
  }
  const header = childrenNamed(root, 'HEADER')[0];
  if (header) {
    if (header.attributes.TIME_UNITS && header.attributes.TIME_UNITS !== 'milliseconds') problems.push('TIME_UNITS must be milliseconds');
    for (const media of childrenNamed(header, 'MEDIA_DESCRIPTOR')) need(media, 'MEDIA_URL', 'MIME_TYPE');
    for (const property of childrenNamed(header, 'PROPERTY')) if (property.children.length) problems.push('<PROPERTY> holds text only');
  }

  const ids = new Set<string>();
  const claim = (id: string | undefined, what: string) => {
    if (id === undefined) return;
    if (!/^[A-Za-z_][-A-Za-z0-9_.]*$/.test(id)) problems.push(`${what} "${id}" is not an XML ID`);
    if (ids.has(id)) problems.push(`the ID "${id}" is used twice`);
    ids.add(id);
  };
  const slots = new Map<string, number | null>();
  let previous = -1;
  for (const slot of childrenNamed(childrenNamed(root, 'TIME_ORDER')[0] ?? root, 'TIME_SLOT')) {
    need(slot, 'TIME_SLOT_ID');
    claim(slot.attributes.TIME_SLOT_ID, 'TIME_SLOT_ID');
    const raw = slot.attributes.TIME_VALUE;
    if (raw !== undefined && !/^\d+$/.test(raw)) problems.push(`TIME_VALUE "${raw}" is not an unsigned integer`);
    const value = raw === undefined ? null : Number(raw);
    if (value !== null && value < previous) problems.push(`time slot ${slot.attributes.TIME_SLOT_ID} is out of time order`);
    if (value !== null) previous = value;
    slots.set(slot.attributes.TIME_SLOT_ID ?? '', value);
  }

  const types = new Set(childrenNamed(root, 'LINGUISTIC_TYPE').map((t) => t.attributes.LINGUISTIC_TYPE_ID));
  for (const type of childrenNamed(root, 'LINGUISTIC_TYPE')) need(type, 'LINGUISTIC_TYPE_ID');
  for (const constraint of childrenNamed(root, 'CONSTRAINT')) {
    need(constraint, 'STEREOTYPE');
    if (!['Time_Subdivision', 'Symbolic_Subdivision', 'Symbolic_Association', 'Included_In'].includes(constraint.attributes.STEREOTYPE ?? '')) {
      problems.push(`unknown CONSTRAINT stereotype ${constraint.attributes.STEREOTYPE}`);
    }
  }
  const tiers = childrenNamed(root, 'TIER');
  const tierIds = new Set<string>();
  for (const tier of tiers) {
    need(tier, 'TIER_ID', 'LINGUISTIC_TYPE_REF');
    const id = tier.attributes.TIER_ID ?? '';
    if (tierIds.has(id)) problems.push(`two tiers are called "${id}"`);
    tierIds.add(id);
    if (!types.has(tier.attributes.LINGUISTIC_TYPE_REF)) problems.push(`tier "${id}" refers to an unknown linguistic type`);
  }
  const annotationIds = new Set<string>();
  for (const tier of tiers) {
    const parent = tier.attributes.PARENT_REF;
    if (parent !== undefined && !tierIds.has(parent)) problems.push(`tier "${tier.attributes.TIER_ID}" has an unknown parent "${parent}"`);
    let tierEnd = -1;
    for (const annotation of tier.children) {
      if (annotation.name !== 'ANNOTATION' || annotation.children.length !== 1) {
        problems.push(`<${annotation.name}> in a tier must be an <ANNOTATION> with one child`);
        continue;
      }
      const inner = annotation.children[0] as XmlElement;
      if (childrenNamed(inner, 'ANNOTATION_VALUE').length !== 1) problems.push(`annotation ${inner.attributes.ANNOTATION_ID} lacks its ANNOTATION_VALUE`);
      need(inner, 'ANNOTATION_ID');
      claim(inner.attributes.ANNOTATION_ID, 'ANNOTATION_ID');
      annotationIds.add(inner.attributes.ANNOTATION_ID ?? '');
      if (inner.name === 'ALIGNABLE_ANNOTATION') {
        need(inner, 'TIME_SLOT_REF1', 'TIME_SLOT_REF2');
        const [r1, r2] = [inner.attributes.TIME_SLOT_REF1 ?? '', inner.attributes.TIME_SLOT_REF2 ?? ''];
        if (!slots.has(r1) || !slots.has(r2)) {
          problems.push(`annotation ${inner.attributes.ANNOTATION_ID} refers to a missing time slot`);
          continue;
        }
        const [t1, t2] = [slots.get(r1), slots.get(r2)];
        if (t1 != null && t2 != null) {
          if (t2 < t1) problems.push(`annotation ${inner.attributes.ANNOTATION_ID} ends before it begins`);
          if (t1 < tierEnd) problems.push(`annotation ${inner.attributes.ANNOTATION_ID} overlaps the one before it in its tier`);
          tierEnd = Math.max(tierEnd, t2);
        }
      } else if (inner.name === 'REF_ANNOTATION') need(inner, 'ANNOTATION_REF');
      else problems.push(`<${inner.name}> is not an annotation`);
    }
  }
  for (const tier of tiers) {
    for (const annotation of tier.children) {
      const ref = annotation.children[0]?.attributes.ANNOTATION_REF;
      if (ref !== undefined && !annotationIds.has(ref)) problems.push(`REF_ANNOTATION refers to a missing annotation ${ref}`);
    }
  }
  return problems;
}
