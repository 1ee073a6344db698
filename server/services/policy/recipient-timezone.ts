import { parsePhoneNumberFromString } from "libphonenumber-js/max";
import { lookupAreaCode, nanpAreaCode } from "@/server/lib/nanp-area-codes";
import { isValidTimeZone } from "@/server/shared/local-time";

/**
 * Countries with one time zone (all of it, or so nearly all of it that quiet hours do not care),
 * and for countries spanning several zones the zone of the largest share of the population.
 * Countries not listed resolve to the workspace's zone.
 */
const COUNTRY_ZONES: Record<string, string> = {
  // Europe
  GB: "Europe/London",
  GG: "Europe/Guernsey",
  JE: "Europe/Jersey",
  IM: "Europe/Isle_of_Man",
  IE: "Europe/Dublin",
  FR: "Europe/Paris",
  DE: "Europe/Berlin",
  ES: "Europe/Madrid",
  PT: "Europe/Lisbon",
  IT: "Europe/Rome",
  NL: "Europe/Amsterdam",
  BE: "Europe/Brussels",
  LU: "Europe/Luxembourg",
  CH: "Europe/Zurich",
  AT: "Europe/Vienna",
  DK: "Europe/Copenhagen",
  NO: "Europe/Oslo",
  SE: "Europe/Stockholm",
  FI: "Europe/Helsinki",
  IS: "Atlantic/Reykjavik",
  PL: "Europe/Warsaw",
  CZ: "Europe/Prague",
  SK: "Europe/Bratislava",
  HU: "Europe/Budapest",
  SI: "Europe/Ljubljana",
  HR: "Europe/Zagreb",
  RS: "Europe/Belgrade",
  BA: "Europe/Sarajevo",
  ME: "Europe/Podgorica",
  MK: "Europe/Skopje",
  AL: "Europe/Tirane",
  GR: "Europe/Athens",
  BG: "Europe/Sofia",
  RO: "Europe/Bucharest",
  MD: "Europe/Chisinau",
  UA: "Europe/Kyiv",
  BY: "Europe/Minsk",
  LT: "Europe/Vilnius",
  LV: "Europe/Riga",
  EE: "Europe/Tallinn",
  MT: "Europe/Malta",
  CY: "Asia/Nicosia",
  MC: "Europe/Monaco",
  LI: "Europe/Vaduz",
  AD: "Europe/Andorra",
  TR: "Europe/Istanbul",
  RU: "Europe/Moscow",
  GE: "Asia/Tbilisi",
  AM: "Asia/Yerevan",
  AZ: "Asia/Baku",
  // Americas (outside the NANP table)
  MX: "America/Mexico_City",
  BR: "America/Sao_Paulo",
  AR: "America/Argentina/Buenos_Aires",
  CL: "America/Santiago",
  CO: "America/Bogota",
  PE: "America/Lima",
  VE: "America/Caracas",
  EC: "America/Guayaquil",
  BO: "America/La_Paz",
  PY: "America/Asuncion",
  UY: "America/Montevideo",
  CR: "America/Costa_Rica",
  PA: "America/Panama",
  GT: "America/Guatemala",
  SV: "America/El_Salvador",
  HN: "America/Tegucigalpa",
  NI: "America/Managua",
  CU: "America/Havana",
  DO: "America/Santo_Domingo",
  JM: "America/Jamaica",
  BS: "America/Nassau",
  BB: "America/Barbados",
  TT: "America/Port_of_Spain",
  BM: "Atlantic/Bermuda",
  KY: "America/Cayman",
  HT: "America/Port-au-Prince",
  US: "America/New_York",
  CA: "America/Toronto",
  // Asia and Oceania
  IN: "Asia/Kolkata",
  PK: "Asia/Karachi",
  BD: "Asia/Dhaka",
  LK: "Asia/Colombo",
  NP: "Asia/Kathmandu",
  CN: "Asia/Shanghai",
  HK: "Asia/Hong_Kong",
  MO: "Asia/Macau",
  TW: "Asia/Taipei",
  JP: "Asia/Tokyo",
  KR: "Asia/Seoul",
  SG: "Asia/Singapore",
  MY: "Asia/Kuala_Lumpur",
  TH: "Asia/Bangkok",
  VN: "Asia/Ho_Chi_Minh",
  PH: "Asia/Manila",
  ID: "Asia/Jakarta",
  KH: "Asia/Phnom_Penh",
  MM: "Asia/Yangon",
  KZ: "Asia/Almaty",
  UZ: "Asia/Tashkent",
  AE: "Asia/Dubai",
  SA: "Asia/Riyadh",
  QA: "Asia/Qatar",
  KW: "Asia/Kuwait",
  BH: "Asia/Bahrain",
  OM: "Asia/Muscat",
  IL: "Asia/Jerusalem",
  JO: "Asia/Amman",
  LB: "Asia/Beirut",
  IQ: "Asia/Baghdad",
  IR: "Asia/Tehran",
  AU: "Australia/Sydney",
  NZ: "Pacific/Auckland",
  FJ: "Pacific/Fiji",
  // Africa
  ZA: "Africa/Johannesburg",
  NG: "Africa/Lagos",
  KE: "Africa/Nairobi",
  EG: "Africa/Cairo",
  MA: "Africa/Casablanca",
  DZ: "Africa/Algiers",
  TN: "Africa/Tunis",
  GH: "Africa/Accra",
  ET: "Africa/Addis_Ababa",
  TZ: "Africa/Dar_es_Salaam",
  UG: "Africa/Kampala",
  RW: "Africa/Kigali",
  SN: "Africa/Dakar",
  CI: "Africa/Abidjan",
  CM: "Africa/Douala",
  ZW: "Africa/Harare",
  ZM: "Africa/Lusaka",
  MZ: "Africa/Maputo",
  AO: "Africa/Luanda",
  CD: "Africa/Kinshasa",
};

/** The zone used for a country when nothing more precise is known, or null. */
export function countryTimeZone(country: string | null | undefined): string | null {
  const zone = country ? COUNTRY_ZONES[country.toUpperCase()] : undefined;
  return zone && isValidTimeZone(zone) ? zone : null;
}

/** Every country with its zone (valid zones only), for set-based zone resolution in SQL. */
export function countryZoneEntries(): [country: string, zone: string][] {
  return Object.entries(COUNTRY_ZONES).filter(([, zone]) => isValidTimeZone(zone));
}

export type TimezoneSource = "contact" | "area_code" | "country" | "workspace";

export interface RecipientTimezone {
  timezone: string;
  source: TimezoneSource;
  /** ISO country of the phone number, when it parses. */
  country: string | null;
  /** US state / Canadian province of a +1 number's area code; state rules hang on it. */
  region: string | null;
  /** The +1 area code, when there is one. */
  areaCode: string | null;
}

/**
 * Where the recipient's wall clock is, most specific first: the contact's own IANA zone (when
 * valid) → the +1 area code's zone → the phone's country zone → the workspace zone. The number's
 * country and state are reported whatever the zone's source: state rules follow the area code
 * even when the contact's zone is known. Pure; non-geographic +1 numbers (toll-free) give no zone.
 */
export function resolveRecipientTimezone(input: {
  contactTimezone: string | null;
  phone: string | null;
  workspaceTimezone: string;
}): RecipientTimezone {
  let country: string | null = null;
  let region: string | null = null;
  let areaCode: string | null = null;
  let phoneZone: { timezone: string; source: TimezoneSource } | null = null;

  if (input.phone) {
    areaCode = nanpAreaCode(input.phone);
    const owner = areaCode ? lookupAreaCode(areaCode) : null;
    if (owner) {
      country = owner.country;
      region = owner.region;
      phoneZone = { timezone: owner.timezone, source: "area_code" };
    } else if (!areaCode) {
      country = parsePhoneNumberFromString(input.phone)?.country ?? null;
      const zone = countryTimeZone(country);
      if (zone) phoneZone = { timezone: zone, source: "country" };
    } else {
      // A +1 number outside the table: a Caribbean country (libphonenumber knows it) or a
      // non-geographic code such as toll-free, which says nothing about the recipient's clock.
      const parsed = parsePhoneNumberFromString(input.phone)?.country ?? null;
      country = parsed;
      if (parsed && parsed !== "US" && parsed !== "CA") {
        const zone = countryTimeZone(parsed);
        if (zone) phoneZone = { timezone: zone, source: "country" };
      }
    }
  }

  if (input.contactTimezone && isValidTimeZone(input.contactTimezone)) {
    return { timezone: input.contactTimezone, source: "contact", country, region, areaCode };
  }
  if (phoneZone) return { ...phoneZone, country, region, areaCode };
  return { timezone: input.workspaceTimezone, source: "workspace", country, region, areaCode };
}
