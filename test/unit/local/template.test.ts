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
