/**
 * North American Numbering Plan area codes (+1) → the US state, territory or Canadian province
 * that owns the code, and the IANA zone most of its subscribers live in.
 *
 * Why a table of our own: libphonenumber-js knows the country of a +1 number but not the state,
 * and quiet hours and state telemarketing rules (Florida, Oklahoma, …) hang on the state. An area
 * code is where the number was issued, not where its owner is today (numbers port and travel);
 * it is the conventional inference when the contact's own time zone is unknown.
 *
 * Codes spanning two zones take the zone of the majority of their population (850 Florida
 * panhandle → Central, 270 western Kentucky → Central, 915 El Paso → Mountain, 219 north-west
 * Indiana → Central, 906 Upper Peninsula → Eastern). Non-geographic codes (toll-free 8xx, 5xx
 * personal, 900) are absent on purpose: they say nothing about where the recipient is.
 */

export interface AreaCodeInfo {
  /** ISO 3166-1 alpha-2 country (US, CA, PR, VI, GU, MP, AS). */
  country: string;
  /** USPS state / territory code or Canadian province code. */
  region: string;
  /** IANA time zone of the majority of the code's subscribers. */
  timezone: string;
}

/** [country, region, default zone, area codes, per-code zone overrides]. */
type Row = [country: string, region: string, zone: string, codes: string, overrides?: Record<string, string>];

const CHICAGO = "America/Chicago";
const DENVER = "America/Denver";

const ROWS: Row[] = [
  ["US", "AL", CHICAGO, "205 251 256 334 483 659 938"],
  ["US", "AK", "America/Anchorage", "907"],
  ["US", "AZ", "America/Phoenix", "480 520 602 623 928"],
  ["US", "AR", CHICAGO, "327 479 501 870"],
  [
    "US",
    "CA",
    "America/Los_Angeles",
    "209 213 279 310 323 341 350 357 369 408 415 424 442 510 530 559 562 619 626 628 650 657 661 669 707 714 738 747 760 805 818 820 831 840 858 909 916 925 949 951",
  ],
  ["US", "CO", DENVER, "303 719 720 748 970 983"],
  ["US", "CT", "America/New_York", "203 475 860 959"],
  ["US", "DE", "America/New_York", "302"],
  ["US", "DC", "America/New_York", "202 771"],
  [
    "US",
    "FL",
    "America/New_York",
    "239 305 321 324 352 386 407 448 561 645 656 689 727 728 754 772 786 813 850 863 904 941 954",
    { "850": CHICAGO, "448": CHICAGO },
  ],
  ["US", "GA", "America/New_York", "229 404 470 478 678 706 762 770 912 943"],
  ["US", "HI", "Pacific/Honolulu", "808"],
  ["US", "ID", "America/Boise", "208 986"],
  ["US", "IL", CHICAGO, "217 224 309 312 331 447 464 618 630 708 730 773 779 815 847 861 872"],
  ["US", "IN", "America/Indiana/Indianapolis", "219 260 317 463 574 765 812 930", { "219": CHICAGO }],
  ["US", "IA", CHICAGO, "319 515 563 641 712"],
  ["US", "KS", CHICAGO, "316 620 785 913"],
  ["US", "KY", "America/New_York", "270 364 502 606 859", { "270": CHICAGO, "364": CHICAGO }],
  ["US", "LA", CHICAGO, "225 318 337 504 985"],
  ["US", "ME", "America/New_York", "207"],
  ["US", "MD", "America/New_York", "227 240 301 410 443 667"],
  ["US", "MA", "America/New_York", "339 351 413 508 617 774 781 857 978"],
  ["US", "MI", "America/Detroit", "231 248 269 313 517 586 616 679 734 810 906 947 989"],
  ["US", "MN", CHICAGO, "218 320 507 612 651 763 924 952"],
  ["US", "MS", CHICAGO, "228 601 662 769"],
  ["US", "MO", CHICAGO, "235 314 417 557 573 636 660 816 975"],
  ["US", "MT", DENVER, "406"],
  ["US", "NE", CHICAGO, "308 402 531"],
  ["US", "NV", "America/Los_Angeles", "702 725 775"],
  ["US", "NH", "America/New_York", "603"],
  ["US", "NJ", "America/New_York", "201 551 609 640 732 848 856 862 908 973"],
  ["US", "NM", DENVER, "505 575"],
  [
    "US",
    "NY",
    "America/New_York",
    "212 315 329 332 347 363 516 518 585 607 624 631 646 680 716 718 838 845 914 917 929 934",
  ],
  ["US", "NC", "America/New_York", "252 336 472 704 743 828 910 919 980 984"],
  ["US", "ND", CHICAGO, "701"],
  ["US", "OH", "America/New_York", "216 220 234 283 326 330 380 419 436 440 513 567 614 740 937"],
  ["US", "OK", CHICAGO, "405 539 572 580 918"],
  ["US", "OR", "America/Los_Angeles", "458 503 541 971"],
  ["US", "PA", "America/New_York", "215 223 267 272 412 445 484 570 582 610 717 724 814 835 878"],
  ["US", "RI", "America/New_York", "401"],
  ["US", "SC", "America/New_York", "803 821 839 843 854 864"],
  ["US", "SD", CHICAGO, "605"],
  ["US", "TN", CHICAGO, "423 615 629 731 865 901 931", { "423": "America/New_York", "865": "America/New_York" }],
  [
    "US",
    "TX",
    CHICAGO,
    "210 214 254 281 325 346 361 409 430 432 469 512 682 713 726 737 806 817 830 832 903 915 936 940 945 956 972 979",
    { "915": DENVER },
  ],
  ["US", "UT", DENVER, "385 435 801"],
  ["US", "VT", "America/New_York", "802"],
  ["US", "VA", "America/New_York", "276 434 540 571 703 757 804 826 948"],
  ["US", "WA", "America/Los_Angeles", "206 253 360 425 509 564"],
  ["US", "WV", "America/New_York", "304 681"],
  ["US", "WI", CHICAGO, "262 274 353 414 534 608 715 920"],
  ["US", "WY", DENVER, "307"],
  // US territories inside the NANP (the TCPA applies there too).
  ["PR", "PR", "America/Puerto_Rico", "787 939"],
  ["VI", "VI", "America/St_Thomas", "340"],
  ["GU", "GU", "Pacific/Guam", "671"],
  ["MP", "MP", "Pacific/Saipan", "670"],
  ["AS", "AS", "Pacific/Pago_Pago", "684"],
  // Canada.
  ["CA", "AB", "America/Edmonton", "368 403 587 780 825"],
  ["CA", "BC", "America/Vancouver", "236 250 257 604 672 778"],
  ["CA", "MB", "America/Winnipeg", "204 431 584"],
  ["CA", "NB", "America/Moncton", "428 506"],
  ["CA", "NL", "America/St_Johns", "709 879"],
  ["CA", "NS", "America/Halifax", "782 902"],
  ["CA", "ON", "America/Toronto", "226 249 289 343 365 382 387 416 437 519 548 613 647 683 705 742 753 807 905 942"],
  ["CA", "QC", "America/Toronto", "263 354 367 418 438 450 468 514 579 581 819 873"],
  ["CA", "SK", "America/Regina", "306 474 639"],
  ["CA", "NT", "America/Edmonton", "867"],
];

const TABLE: ReadonlyMap<string, AreaCodeInfo> = new Map(
  ROWS.flatMap(([country, region, zone, codes, overrides]) =>
    codes.split(" ").map((code) => [code, { country, region, timezone: overrides?.[code] ?? zone }] as const),
  ),
);

/** The owner of a three-digit NANP area code, or null for unknown and non-geographic codes. */
export function lookupAreaCode(areaCode: string): AreaCodeInfo | null {
  return TABLE.get(areaCode) ?? null;
}

/** The area code of an E.164 +1 number ("+13055550100" → "305"), or null for other numbers. */
export function nanpAreaCode(e164: string): string | null {
  const match = /^\+1([2-9]\d{2})\d{7}$/.exec(e164);
  return match ? match[1]! : null;
}

/** Every area code in the table, for tests. */
export function knownAreaCodes(): string[] {
  return [...TABLE.keys()];
}
