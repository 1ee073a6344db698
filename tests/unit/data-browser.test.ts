import { createElement, type ReactNode } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import {
  BrowserResults,
  cursorStack,
  fieldErrorOf,
  filtersQuery,
  FIRST_PAGE,
  type BrowserPage,
  type BrowserQuery,
  type CursorPagination,
} from "@/components/ui/data-browser";

const pagination = (pageIndex = 0): CursorPagination => ({
  cursor: undefined,
  pageIndex,
  first: pageIndex * 50 + 1,
  previous: () => {},
  next: () => {},
  reset: () => {},
});

function query(patch: Partial<BrowserQuery<BrowserPage>>): BrowserQuery<BrowserPage> {
  return {
    data: undefined,
    error: null,
    isPending: false,
    isError: false,
    isFetching: false,
    refetch: () => {},
    ...patch,
  };
}

function render(
  list: BrowserQuery<BrowserPage>,
  options: { fieldError?: string; filtered?: boolean; pageIndex?: number } = {},
) {
  return renderToStaticMarkup(
    createElement(BrowserResults<BrowserPage>, {
      list,
      pagination: pagination(options.pageIndex),
      loadingLabel: "Loading things",
      fieldError: options.fieldError,
      empty: createElement("p", { id: "empty" }, "Nothing here"),
      noun: ["thing", "things"],
      filtered: options.filtered ?? false,
      totalTestId: "thing-total",
      children: (page: BrowserPage): ReactNode =>
        createElement(
          "tbody",
          null,
          page.items.map((item, i) => createElement("tr", { key: i }, createElement("td", null, String(item)))),
        ),
    }),
  );
}

const page = (items: string[], total: number, nextCursor: string | null = null): BrowserPage => ({
  items,
  total,
  nextCursor,
});

describe("data browser: cursor stack", () => {
  it("starts on the first page, Next pushes the page's cursor, Previous pops it", () => {
    expect(cursorStack.current(FIRST_PAGE)).toBeUndefined();
    const second = cursorStack.next(FIRST_PAGE, "c2");
    const third = cursorStack.next(second, "c3");
    expect(third).toEqual([undefined, "c2", "c3"]);
    expect(cursorStack.current(third)).toBe("c3");
    expect(cursorStack.pageIndex(third)).toBe(2);
    expect(cursorStack.firstRow(third, 50)).toBe(101);
    expect(cursorStack.previous(third)).toEqual([undefined, "c2"]);
    // A missing next cursor is the first page's (undefined), never null in the query input.
    expect(cursorStack.next(FIRST_PAGE, null)).toEqual([undefined, undefined]);
  });
});

describe("data browser: filters in the address bar", () => {
  it("keeps the filters that are set, drops empty and `any` ones and the omitted (personal) ones", () => {
    expect(
      filtersQuery(
        { status: "sent", channel: "any", from: "", recipient: "ann@example.com", topic: "news letter" },
        { any: "any", omit: ["recipient"] },
      ),
    ).toBe("status=sent&topic=news+letter");
    expect(filtersQuery({ status: "any", recipient: "ann@example.com" }, { any: "any", omit: ["recipient"] })).toBe("");
  });
});

describe("data browser: a refused field", () => {
  it("is the error of that field only, and only while the query is in error", () => {
    const error = { message: "Enter a whole email address", data: { field: "search" } };
    expect(fieldErrorOf({ isError: true, error }, "search")).toBe("Enter a whole email address");
    expect(fieldErrorOf({ isError: true, error }, "recipient")).toBeUndefined();
    expect(fieldErrorOf({ isError: false, error: null }, "search")).toBeUndefined();
    expect(fieldErrorOf({ isError: true, error: new Error("boom") }, "search")).toBeUndefined();
  });
});

describe("data browser: results", () => {
  it("first load: placeholder rows marked busy", () => {
    const html = render(query({ isPending: true }));
    expect(html).toContain('aria-busy="true"');
    expect(html).toContain('aria-label="Loading things"');
    expect(html).not.toContain("<table");
  });

  it("a load error offers Try again; an error that belongs to a field shows the empty state instead", () => {
    const error = { message: "Server exploded", data: {} };
    const failed = render(query({ isError: true, error }));
    expect(failed).toContain("Could not load this list");
    expect(failed).toContain("Server exploded");
    expect(failed).toContain("Try again");
    const refused = render(query({ isError: true, error }), { fieldError: "Enter a whole email address" });
    expect(refused).toContain("Nothing here");
    expect(refused).not.toContain("Could not load this list");
  });

  it("no rows: the page's empty state", () => {
    expect(render(query({ data: page([], 0) }))).toBe('<p id="empty">Nothing here</p>');
  });

  it("rows: the total (singular, plural, matching), the table and the pager", () => {
    const one = render(query({ data: page(["a"], 1) }));
    expect(one).toContain('data-testid="thing-total"');
    expect(one).toMatch(/>1<\/span> (<!-- -->)?thing<\/span>/);
    expect(one).toContain('aria-busy="false"');
    expect(one).toContain("<tr><td>a</td></tr>");
    expect(one).toContain('aria-label="Pagination"');
    expect(one).toMatch(/1(<!-- -->)?–(<!-- -->)?1(<!-- -->)? of (<!-- -->)?1/);

    const many = render(query({ data: page(["a", "b"], 1234, "next") }), { filtered: true, pageIndex: 1 });
    expect(many).toMatch(/>1,234<\/span> (<!-- -->)?matching things<\/span>/);
    expect(many).toMatch(/51(<!-- -->)?–(<!-- -->)?52/);
    expect(many).not.toContain(`disabled=""`);
  });

  it("while a new page loads: Updating…, the table busy, and both pager buttons disabled", () => {
    const html = render(query({ data: page(["a"], 120, "next"), isFetching: true }), { pageIndex: 1 });
    expect(html).toContain("Updating…");
    expect(html).toContain('aria-busy="true"');
    expect(html.match(/disabled=""/g)).toHaveLength(2);
  });

  it("on the first page Previous is disabled; on the last page Next is", () => {
    const firstPage = render(query({ data: page(["a"], 120, "next") }));
    expect(firstPage).toMatch(/disabled=""[^>]*>.*Previous/);
    expect(firstPage.match(/disabled=""/g)).toHaveLength(1);
    const lastPage = render(query({ data: page(["a"], 51, null) }), { pageIndex: 1 });
    expect(lastPage.match(/disabled=""/g)).toHaveLength(1);
    expect(lastPage).toMatch(/Previous.*disabled=""/);
  });
});
