import { describe, expect, it } from 'vitest';
import { Resolver, UnsupportedTemplateError } from '../../../infra/local/template.js';

describe('the local template resolver', () => {
  const resolver = new Resolver({
    Resources: { Table: { Type: 'AWS::DynamoDB::Table' }, Fn: { Type: 'AWS::Lambda::Function' } },
  });
  resolver.bind('Table', {
    ref: 'events',
    attrs: { Arn: 'arn:aws:dynamodb:us-east-1:000000000000:table/events' },
  });

  it('resolves Ref, Fn::GetAtt, Fn::Join, Fn::Sub and Fn::Select to local values', () => {
    expect(resolver.resolve({ Ref: 'Table' })).toBe('events');
    expect(resolver.resolve({ 'Fn::GetAtt': ['Table', 'Arn'] })).toMatch(/table\/events$/);
    expect(resolver.resolve({ 'Fn::Join': ['', ['integrations/', { Ref: 'Table' }]] })).toBe(
      'integrations/events',
    );
    expect(
      resolver.resolve({ 'Fn::Sub': 'arn:${AWS::Partition}:x:${AWS::Region}:${Table}/${Table.Arn}' }),
    ).toBe('arn:aws:x:us-east-1:events/arn:aws:dynamodb:us-east-1:000000000000:table/events');
    expect(resolver.resolve({ 'Fn::Select': [1, { 'Fn::Split': ['/', 'a/b/c'] }] })).toBe('b');
  });

  it('refuses a reference it has no local binding for, naming the resource', () => {
    expect(() => resolver.resolve({ Ref: 'Fn' })).toThrow(UnsupportedTemplateError);
    expect(() => resolver.resolve({ Ref: 'Fn' })).toThrow(/AWS::Lambda::Function/);
  });
});

describe('local HTTP API route patterns', () => {
  it('matches path parameters one segment at a time, and greedy ones to the end', async () => {
    const { routePattern } = await import('../../../infra/local/http-api.js');
    const one = routePattern('/admin/profiles/{profileId}/export');
    expect(one.params).toEqual(['profileId']);
    expect(one.pattern.exec('/admin/profiles/p-1/export')?.[1]).toBe('p-1');
    expect(one.pattern.test('/admin/profiles/a/b/export')).toBe(false);
    const greedy = routePattern('/files/{path+}');
    expect(greedy.pattern.exec('/files/a/b.txt')?.[1]).toBe('a/b.txt');
  });
});
