/**
 * Finds a person by an identifier (the API normalises and hashes it and looks it up in the identity
 * index) and hands their profile id on. Used wherever a page asks "which person?".
 */
import { useState } from 'preact/hooks';
import type { ProfileView } from '../../shared/domain/privacy/operations.js';
import { ApiError, call } from './api.js';
import { ErrorNote, Field } from './ui.js';

const TYPES = [
  { value: 'profileId', label: 'Profile id' },
  { value: 'userId', label: 'User id' },
  { value: 'email', label: 'Email' },
  { value: 'phone', label: 'Phone' },
  { value: 'anonymousId', label: 'Anonymous id' },
] as const;

export function PersonFinder(props: {
  /** Prefix of the fields' ids (several finders may share a page). */
  readonly idPrefix: string;
  /** The form's accessible name. */
  readonly label: string;
  readonly submitLabel: string;
  readonly initialType?: (typeof TYPES)[number]['value'];
  /** Offer "Profile id" (taken as is) besides the identifiers. */
  readonly allowProfileId?: boolean;
  readonly placeholder?: string;
  readonly onFound: (profileId: string) => void;
}) {
  const [type, setType] = useState<string>(props.initialType ?? 'email');
  const [value, setValue] = useState('');
  const [error, setError] = useState<unknown>();
  const types = TYPES.filter((t) => props.allowProfileId || t.value !== 'profileId');
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    try {
      const v = value.trim();
      if (type === 'profileId') return props.onFound(v);
      const { profile } = await call<{ profile: ProfileView }>('profileLookup', {
        query: { type, value: v },
      });
      props.onFound(profile.profileId);
    } catch (err) {
      setError(
        err instanceof ApiError && err.code === 'profile_not_found' ? new Error('No one matches that.') : err,
      );
    }
  };
  return (
    <>
      <form class="row" onSubmit={(e) => void submit(e)} aria-label={props.label}>
        <Field label="Identifier type" id={`${props.idPrefix}-type`}>
          <select
            id={`${props.idPrefix}-type`}
            value={type}
            onChange={(e) => setType((e.target as HTMLSelectElement).value)}
          >
            {types.map((t) => (
              <option key={t.value} value={t.value}>
                {t.label}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Identifier" id={`${props.idPrefix}-value`}>
          <input
            id={`${props.idPrefix}-value`}
            required
            value={value}
            onInput={(e) => setValue((e.target as HTMLInputElement).value)}
            {...(props.placeholder ? { placeholder: props.placeholder } : {})}
          />
        </Field>
        <div class="field">
          <button type="submit">{props.submitLabel}</button>
        </div>
      </form>
      <ErrorNote error={error} />
    </>
  );
}
