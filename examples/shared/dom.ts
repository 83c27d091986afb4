/**
 * Small DOM helpers for the example pages. Text always goes in as text nodes (`append` / `textContent`), never as
 * HTML, so whatever a model or a user writes is shown as written and cannot inject markup.
 */

type Child = Node | string;

/** A new element with attributes (set with setAttribute) and children (strings become text nodes). */
export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Readonly<Record<string, string>> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

/** The element with this id, of the expected class; throws when the page lacks it (a bug in the page). */
export function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const node = document.getElementById(id);
  if (!(node instanceof type)) throw new Error(`The page has no <${type.name}> #${id}.`);
  return node;
}

/** The message of anything thrown, for showing to the user. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
